from math import log


def reward(completions, **kwargs):
    return [log(1 + len(c)) for c in completions]
