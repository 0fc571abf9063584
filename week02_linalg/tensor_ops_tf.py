"""TensorFlow's spelling of tensor_ops' operations; imported only when the `tf` extra is installed.

Two differences a PyTorch user meets first: a tf.Tensor is immutable (writing an element is
`tf.tensor_scatter_nd_update`, which returns a new tensor), and TensorFlow never promotes
dtypes implicitly (int32 + float32 is an error, not float32). Gradients come from
`tf.GradientTape`, which records the operations run inside its `with` block.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up banner quiet
import tensorflow as tf

from week02_linalg.tensor_ops import FLOATS_TO_CAST, Inputs, Results


class TensorFlowOps:
    """TensorFlow: the same operations on tf.Tensor, gradients by tf.GradientTape."""

    name = "tensorflow"
    version = tf.__version__

    def creation(self, inp: Inputs) -> Results:
        """As NumPy's, with TensorFlow's default dtypes (float32, and int32 for integers)."""
        return _numpy(
            {
                "zeros": tf.zeros((2, 3)),
                "ones": tf.ones((2, 3)),
                "arange": tf.range(0, 10, 2),
                "linspace": tf.linspace(0.0, 1.0, 5),
                "eye": tf.eye(3),
                "full": tf.fill((2, 2), 7.0),
                "from_data": tf.constant(inp.a),
            }
        )

    def dtypes(self, inp: Inputs) -> Results:
        """tf.cast truncates toward zero, uint8 wraps around, floordiv floors."""
        return _numpy(
            {
                "float_to_int32": tf.cast(tf.constant(FLOATS_TO_CAST), tf.int32),
                "uint8_wraps": tf.constant([250, 5], tf.uint8) + tf.constant(10, tf.uint8),
                "floor_divide": tf.math.floordiv(
                    tf.constant([7, -7], tf.int64), tf.constant([-2, 2], tf.int64)
                ),
                "int32_to_float64": tf.cast(tf.range(3), tf.float64),
            }
        )

    def broadcasting(self, inp: Inputs) -> Results:
        """NumPy's broadcasting rules, unchanged."""
        t = _tensors(inp)
        return _numpy(
            {
                "col_plus_row": t["col"] + t["row"],
                "matrix_times_row": t["a"] * t["row"],
                "batch_plus_matrix": t["batch"] + t["a"],
            }
        )

    def reshaping(self, inp: Inputs) -> Results:
        """Functions (tf.reshape, tf.transpose with perm=...) rather than tensor methods."""
        t = _tensors(inp)
        return _numpy(
            {
                "reshape": tf.reshape(t["a"], (2, 6)),
                "transpose": tf.transpose(t["a"]),
                "expand_dims": tf.expand_dims(t["a"], 0),
                "squeeze": tf.squeeze(t["col"], 1),
                "concatenate": tf.concat([t["a"], t["a"]], axis=0),
                "stack": tf.stack([t["a"], t["a"]], axis=-1),
                "permute": tf.transpose(t["batch"], perm=(0, 2, 1)),
            }
        )

    def indexing(self, inp: Inputs) -> Results:
        """Slicing as NumPy; gathers and masks are functions; writes make a new tensor."""
        a = _tensors(inp)["a"]
        return _numpy(
            {
                "slice": a[1:, ::2],
                "last_column": a[:, -1],
                "gather_rows": tf.gather(a, [2, 0]),
                "boolean_mask": tf.boolean_mask(a, a > 0),
                "where": tf.where(a > 0, a, tf.zeros_like(a)),
                "write_copy": tf.tensor_scatter_nd_update(a, [[0, 0], [2, 3]], [99.0, -1.0]),
            }
        )

    def matmul(self, inp: Inputs) -> Results:
        """`@` is tf.linalg.matmul, batched over leading axes."""
        t = _tensors(inp)
        return _numpy(
            {
                "matmul": t["a"] @ t["b"],
                "batched": t["batch"] @ t["batch2"],
                "einsum": tf.einsum("bij,bjk->bik", t["batch"], t["batch2"]),
                "dot": tf.tensordot(t["x"], t["x"], axes=1),
            }
        )

    def autodiff(self, inp: Inputs) -> Results:
        """tf.GradientTape; a tape inside a tape gives the second derivative."""
        t = _tensors(inp)
        w = tf.Variable(t["w"])
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((tf.linalg.matvec(t["features"], w) - t["target"]) ** 2)
        loss_grad = tape.gradient(loss, w)
        x = tf.Variable(t["x"])
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                f = tf.reduce_sum(tf.sin(x) * x**2)
            f_grad = inner.gradient(f, x)
        # f_grad[i] depends on x[i] alone, so the gradient of its sum is the Hessian's diagonal
        second = outer.gradient(f_grad, x)
        return _numpy(
            {"loss": loss, "loss_grad": loss_grad, "f_grad": f_grad, "f_second_derivative": second}
        )

    def default_dtypes(self) -> dict[str, str]:
        """The dtype TensorFlow picks when none is asked for; mixing dtypes is refused."""
        try:
            mixed = (tf.ones(1, tf.int32) + tf.ones(1, tf.float32)).dtype.name
        except (tf.errors.InvalidArgumentError, TypeError):
            mixed = "error: no implicit promotion"
        return {
            "from [1.0]": tf.constant([1.0]).dtype.name,
            "from [1]": tf.constant([1]).dtype.name,
            "int32 + float32": mixed,
        }


def _tensors(inp: Inputs) -> dict[str, tf.Tensor]:
    """Each input as a float64 tf.Tensor."""
    return {name: tf.constant(value) for name, value in vars(inp).items()}


def _numpy(results: dict[str, tf.Tensor]) -> Results:
    """Every tensor as a NumPy array."""
    return {name: np.asarray(t.numpy()) for name, t in results.items()}
