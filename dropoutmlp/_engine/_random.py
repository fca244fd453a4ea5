"""Counter-based random numbers: a 32-bit integer hash of (seed, counters).

Every random draw of a fit is a pure function of its counters: the row order
of an epoch hashes (shuffle seed, epoch, row), a dropout mask element hashes
(dropout seed, step, layer, element).  No generator state is carried, the same
numbers come out in NumPy and in TensorFlow (so ``Model.fit`` sees the compiled
engine's row order), and under XLA a draw costs a few fused integer
operations, where TensorFlow's Philox and threefry kernels do not compile
cheaply.  The mixer is Chris Wellons' ``lowbias32`` (an avalanching 32-bit
permutation); :func:`combine` chains it to feed in one counter after another.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

_M1, _M2 = 0x7FEB352D, 0x846CA68B
_GOLDEN = 0x9E3779B9  # 2**32 / golden ratio: keeps counter 0 away from 0
_INT32_MAX = np.iinfo(np.int32).max


def mix_np(x: np.ndarray) -> np.ndarray:
    """``lowbias32`` of each element of a ``uint32`` array."""
    x = np.array(x, np.uint32, ndmin=1)  # arrays wrap around silently, scalars warn
    x ^= x >> np.uint32(16)
    x *= np.uint32(_M1)
    x ^= x >> np.uint32(15)
    x *= np.uint32(_M2)
    return x ^ (x >> np.uint32(16))


def combine_np(key, counter) -> np.ndarray:
    """A new key from ``key`` and ``counter`` (``uint32``, broadcast)."""
    counter = np.array(counter, np.uint32, ndmin=1) + np.uint32(_GOLDEN)
    return mix_np(np.array(key, np.uint32, ndmin=1) ^ mix_np(counter))


def mix(x: tf.Tensor) -> tf.Tensor:
    """``lowbias32`` of each element of a ``uint32`` tensor (as :func:`mix_np`)."""
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(16, tf.uint32)))
    x = x * tf.constant(_M1, tf.uint32)
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(15, tf.uint32)))
    x = x * tf.constant(_M2, tf.uint32)
    return tf.bitwise.bitwise_xor(
        x, tf.bitwise.right_shift(x, tf.constant(16, tf.uint32))
    )


def combine(key: tf.Tensor, counter: tf.Tensor) -> tf.Tensor:
    """A new key from ``key`` and ``counter`` (as :func:`combine_np`)."""
    counter = tf.cast(counter, tf.uint32) + tf.constant(_GOLDEN, tf.uint32)
    return mix(tf.bitwise.bitwise_xor(tf.cast(key, tf.uint32), mix(counter)))


def epoch_order_np(n: int, seed: int, epoch: int) -> np.ndarray:
    """The row order of one epoch: a permutation of ``range(n)``.

    Rows are sorted by the hash of (``seed``, ``epoch``, row); equal hashes
    keep their row order.  :func:`epoch_order` computes the same in a graph.
    """
    keys = combine_np(combine_np(seed, epoch), np.arange(n, dtype=np.uint32))
    return np.argsort(keys >> np.uint32(1), kind="stable")


def epoch_order(n_rows: int, n: tf.Tensor, seed: tf.Tensor, epoch: tf.Tensor):
    """:func:`epoch_order_np` of the first ``n`` of ``n_rows`` rows, in a graph.

    The ``n_rows - n`` padding rows sort last, in their order.
    """
    rows = tf.range(n_rows)
    keys = combine(combine(seed, epoch), rows)
    keys = tf.cast(tf.bitwise.right_shift(keys, tf.constant(1, tf.uint32)), tf.int32)
    keys = tf.where(rows < n, keys, _INT32_MAX)
    return tf.argsort(keys, stable=True)


def uniform(key: tf.Tensor, shape: tuple[int, ...]) -> tf.Tensor:
    """``float32`` numbers uniform on [0, 1), one per element of ``shape``.

    Element ``i`` (in row-major order) is the top 24 bits of the hash of
    (``key``, ``i``), so every element is an independent draw of the key.
    """
    size = int(np.prod(shape))
    bits = combine(key, tf.reshape(tf.range(size), shape))
    top = tf.bitwise.right_shift(bits, tf.constant(8, tf.uint32))
    return tf.cast(top, tf.float32) * (1.0 / (1 << 24))
