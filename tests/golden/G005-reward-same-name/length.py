def reward_func(completions, **kwargs):
    return [float(len(c)) for c in completions]
