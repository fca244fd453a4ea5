"""Predictions from fitted weights: the plain forward pass and MC dropout.

:func:`predict` is a float64 NumPy forward pass over the weight list, in
blocks of rows: no TensorFlow call (a single row costs microseconds), memory
bounded by the block, and a row's output never depends on which rows share
its block.  :func:`mc_predict` keeps dropout on (Monte-Carlo dropout) and runs
all its passes in one TensorFlow graph call per block.
"""

from __future__ import annotations

import keras
import numpy as np
import scipy.sparse as sp
import tensorflow as tf
from scipy.special import expit, softmax

from .._network import NetworkSpec, weight_shapes
from . import _maths
from ._programs import ProgramCache

BLOCK_ROWS = 8192  # rows per block of predict and mc_predict

_NUMPY_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0, out=z),
    "tanh": lambda z: np.tanh(z, out=z),
    "sigmoid": expit,
    "linear": lambda z: z,
    "exponential": lambda z: np.exp(z, out=z),
    "softmax": lambda z: softmax(z, axis=1),
}


def _activation(name: str):
    """``name``'s activation on float64 arrays (Keras' own for the rarer ones)."""
    if name in _NUMPY_ACTIVATIONS:
        return _NUMPY_ACTIVATIONS[name]
    keras_fn = keras.activations.get(name)
    return lambda z: np.asarray(keras_fn(tf.constant(z, tf.float64)))


def _blocks(x):
    for start in range(0, x.shape[0], BLOCK_ROWS):
        yield x[start : start + BLOCK_ROWS]


def predict(
    weights: list[np.ndarray], spec: NetworkSpec, x: np.ndarray | sp.spmatrix
) -> np.ndarray:
    """Network outputs for ``x`` in inference mode (dropout off), in float64.

    ``weights`` is the float64 weight list (kernel, bias, kernel, ...) of the
    network ``spec`` describes; a sparse ``x`` is multiplied as it is.
    """
    hidden, output = _activation(spec.activation), _activation(spec.output_activation)
    n_dense = len(weights) // 2
    outputs = []
    for block in _blocks(x):
        h = block
        for i in range(n_dense):
            z = h @ weights[2 * i]
            z = np.asarray(z, np.float64)
            z += weights[2 * i + 1]
            h = output(z) if i == n_dense - 1 else hidden(z)
        outputs.append(h)
    if not outputs:
        return np.zeros((0, spec.n_outputs))
    return np.concatenate(outputs) if len(outputs) > 1 else outputs[0]


def _build_mc(key):
    """Trace-once function: mean and std of ``n`` dropout-on forward passes."""
    layer_sizes, activation, output_kind, dropout = key
    n_dense = len(layer_sizes) - 1

    def run(params, x, rates, seed, n):
        def one_pass(i):
            def drop(layer, h):
                if not dropout[layer]:
                    return h
                pair = tf.stack([seed, i * n_dense + layer])
                draw = tf.random.stateless_uniform(tf.shape(h), seed=pair)
                return _maths.inverted_dropout(h, draw, rates[layer])

            return _maths.outputs(
                output_kind, _maths.logits(params, x, activation, drop)
            )

        def body(i, mean, m2):  # Welford's running mean and sum of squares
            out = one_pass(i)
            delta = out - mean
            mean = mean + delta / tf.cast(i + 1, tf.float32)
            return i + 1, mean, m2 + delta * (out - mean)

        zeros = tf.zeros((tf.shape(x)[0], layer_sizes[-1]))
        _, mean, m2 = tf.while_loop(
            lambda i, *_: i < n, body, (tf.constant(0), zeros, zeros)
        )
        return mean, tf.sqrt(m2 / tf.cast(n, tf.float32))

    f32, i32 = tf.float32, tf.int32
    signature = [
        [tf.TensorSpec(s, f32) for s in weight_shapes(layer_sizes)],
        tf.TensorSpec((None, layer_sizes[0]), f32),
        tf.TensorSpec((n_dense,), f32),
        tf.TensorSpec((), i32),
        tf.TensorSpec((), i32),
    ]
    return tf.function(run, input_signature=signature, autograph=False)


MC_PROGRAMS = ProgramCache(_build_mc)


def mc_predict(
    weights: list[np.ndarray],
    spec: NetworkSpec,
    x: np.ndarray | sp.spmatrix,
    n_samples: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Monte-Carlo dropout: mean and std of ``n_samples`` stochastic passes.

    Dropout stays on at the rates of ``spec`` (Gal and Ghahramani, 2016).  All
    passes over a block of rows run in one graph call (a sparse ``x`` is made
    dense one block at a time); the masks depend only on ``seed``, the pass
    and the row block.
    """
    key = (
        spec.layer_sizes,
        spec.activation,
        spec.output_kind,
        tuple(rate > 0 for rate in spec.rates),
    )
    program = MC_PROGRAMS.get(key)
    params = [tf.constant(v, tf.float32) for v in weights]
    rates = tf.constant(spec.rates, tf.float32)
    means, stds = [], []
    for block, rows in enumerate(_blocks(x)):
        rows = rows.toarray() if sp.issparse(rows) else rows
        mean, std = program(
            params,
            tf.constant(rows, tf.float32),
            rates,
            tf.constant((seed + block) % (2**31 - 1)),
            tf.constant(n_samples),
        )
        means.append(mean.numpy())
        stds.append(std.numpy())
    return np.concatenate(means), np.concatenate(stds)
