"""The face-mask classifiers' classes in their output order, importable without PyTorch."""

CLASSES = ("mask", "no_mask")
