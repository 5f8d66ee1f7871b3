def reward_func(completions, **kwargs):
    return [float(len(c.split())) for c in completions]
