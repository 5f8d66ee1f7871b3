def reward(texts, **kwargs):
    return [float(len(t)) for t in texts]
