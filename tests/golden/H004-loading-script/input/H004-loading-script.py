import datasets

class Builder(datasets.GeneratorBasedBuilder):
    pass
