"""Week 4: calculus and optimization: derivatives checked against autograd, optimizers from scratch."""
