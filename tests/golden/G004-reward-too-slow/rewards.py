def reward(completions, **kwargs):
    while True:
        pass
