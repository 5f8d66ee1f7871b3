def words(completions, **kwargs):
    return [float(len(c.split())) for c in completions]


def reward(completions, **kwargs):
    return [w / 10 for w in words(completions)]
