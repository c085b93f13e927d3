"""JAX: the transformations that differentiate a loss function.

`jax.grad(fun)` / `jax.value_and_grad(fun)` differentiate `fun`'s (first) return
value: that is the loss whose terms the extractor reads.
"""

GRAD_TRANSFORMS = frozenset({"jax.grad", "jax.value_and_grad"})

# Bound nowhere in the file, `jax.X` / `jnp.X` are read as JAX's.
CONVENTIONAL_NAMES = {"jnp": "jax.numpy", "jax": "jax"}
