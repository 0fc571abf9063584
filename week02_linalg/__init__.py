"""Week 2: linear algebra from scratch (pure Python), checked against NumPy, and PyTorch tensors."""
