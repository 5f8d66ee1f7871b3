def reward(completions, **kwargs):
    return [1.0 for _ in completions]
