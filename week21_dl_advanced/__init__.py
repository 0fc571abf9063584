"""Week 21: modern deep-learning architectures: attention and ViT, UNet, Faster R-CNN, Lightning."""
