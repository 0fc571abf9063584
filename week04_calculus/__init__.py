"""Week 4: calculus and optimization: derivatives vs autograd, optimizers from scratch."""
