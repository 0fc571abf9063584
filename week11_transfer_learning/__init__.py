"""Week 11: pretrained CNNs: zero-shot ImageNet predictions, transfer learning, inside the network."""
