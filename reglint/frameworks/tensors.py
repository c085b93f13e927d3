"""Array-library calls that make a hand-written penalty: sums, squares, norms (torch, TF, JAX, NumPy).

A hand-written penalty is `coef * Σw²` (or an unsquared `coef * ‖w‖`) spelled with
these; `tf.nn.l2_loss`, which is Σw²/2, is in `tf1.HALF_SUM_SQ_CALLS`.
"""

SUM_CALLS = frozenset({"tensorflow.reduce_sum", "tensorflow.math.reduce_sum", "torch.sum", "jax.numpy.sum", "numpy.sum"})
SQUARE_CALLS = frozenset({"tensorflow.square", "tensorflow.math.square", "torch.square", "jax.numpy.square", "numpy.square"})
NORM_CALLS = frozenset({"torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm", "tensorflow.norm", "tensorflow.linalg.norm", "jax.numpy.linalg.norm", "numpy.linalg.norm"})
AGGREGATES = frozenset({
    "tensorflow.add_n", "tensorflow.math.add_n", "tensorflow.reduce_mean", "tensorflow.reduce_sum",
    "tensorflow.math.reduce_mean", "tensorflow.math.reduce_sum", "tensorflow.nn.compute_average_loss",
    "tensorflow.identity", "tensorflow.add", "tensorflow.math.add", "torch.sum", "torch.mean", "torch.stack",
    "jax.numpy.sum", "jax.numpy.mean", "tensorflow.stack", "tensorflow.concat",
    "tensorflow.nn.scale_regularization_loss",
})
ADD_N_CALLS = frozenset({"tensorflow.add_n", "tensorflow.math.add_n"})  # sum a list of tensors
POW_CALLS = frozenset({"torch.pow", "tensorflow.pow", "tensorflow.math.pow"})  # pow(x, 2) squares

# Calls that hand back the same value (moved, cast or wrapped): `torch.tensor(0.).to(device)`
# is still the zero an accumulator starts from. Methods by name; functions by qualified name.
IDENTITY_METHODS = frozenset({"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "type", "detach", "clone",
                              "requires_grad_"})
IDENTITY_CALLS = frozenset({"tensorflow.identity", "tensorflow.convert_to_tensor", "torch.as_tensor", "jax.numpy.asarray",
                            "numpy.asarray"})
# Calls that turn a list of tensors into one tensor whose sum is the sum of the list's.
STACK_CALLS = frozenset({"tensorflow.stack", "tensorflow.concat", "torch.stack", "torch.cat", "jax.numpy.stack", "numpy.stack"})

# Bound nowhere in the file, `np.X` is read as NumPy's.
CONVENTIONAL_NAMES = {"np": "numpy"}
