def reward(completions, **kwargs):
    return [json.loads(c)["score"] for c in completions]
