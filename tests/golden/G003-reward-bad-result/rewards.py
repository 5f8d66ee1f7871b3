def reward(completions, **kwargs):
    return [str(len(c)) for c in completions]
