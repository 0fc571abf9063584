"""Week 10: convolutional networks: convolution from scratch, a CNN, image classification."""
