"""Week 9: deep learning foundations: perceptrons, backprop from scratch, PyTorch, an MNIST MLP."""
