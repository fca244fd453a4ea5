"""Keras' ``SGD``, ``Adam`` and ``RMSprop`` as pure ``init``/``update`` pairs.

As in optax: an optimizer is a pair of pure functions, ``init(params)`` the
state it starts from and ``update(hyper, step, params, state, grads)`` the
updated parameters and state, and its state is a ``NamedTuple`` whose fields
name what it keeps per weight (``momentum``, ``m`` and ``v``...).  The
updates are Keras' own, operation for operation, so that a program's fit is
``Model.fit``'s.  ``init`` takes ``like``, the function that makes a slot
from a weight: ``tf.zeros_like`` in a program, ``np.zeros_like`` for a
fresh state fed to one, the identity for the program's input signature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import tensorflow as tf

from ._state import Hyper


class SgdState(NamedTuple):
    """SGD's velocity per weight (Keras' ``momentum`` slots)."""

    momentum: list


class AdamState(NamedTuple):
    """Adam's first and second moment estimates per weight."""

    m: list
    v: list


class RmspropState(NamedTuple):
    """RMSprop's mean square of the gradients, and its momentum, per weight."""

    velocity: list
    momentum: list


class Optimizer(NamedTuple):
    """An optimizer as its pure ``init`` and ``update`` functions."""

    init: Callable
    update: Callable


def _slots(params, like) -> list:
    return [like(p) for p in params]


def sgd_update(hyper: Hyper, step, params, state: SgdState, grads):
    """Keras' SGD with momentum, Nesterov's when ``hyper.nesterov`` is 1."""
    lr, mom, nesterov = hyper.learning_rate, hyper.momentum, hyper.nesterov > 0
    new_params, velocities = [], []
    for p, m, g in zip(params, state.momentum, grads, strict=True):
        m = m * mom - g * lr
        new_params.append(p + tf.where(nesterov, m * mom - g * lr, m))
        velocities.append(m)
    return new_params, SgdState(velocities)


def adam_update(hyper: Hyper, step, params, state: AdamState, grads):
    """Keras' Adam (bias correction folded into the step size)."""
    lr, b1, b2, eps = hyper.learning_rate, hyper.beta_1, hyper.beta_2, hyper.epsilon
    t = tf.cast(step + 1, tf.float32)
    alpha = lr * tf.sqrt(1 - tf.pow(b2, t)) / (1 - tf.pow(b1, t))
    new_params, ms, vs = [], [], []
    for p, m, v, g in zip(params, state.m, state.v, grads, strict=True):
        m = m + (g - m) * (1 - b1)
        v = v + (tf.square(g) - v) * (1 - b2)
        new_params.append(p - (m * alpha) / (tf.sqrt(v) + eps))
        ms.append(m)
        vs.append(v)
    return new_params, AdamState(ms, vs)


def rmsprop_update(hyper: Hyper, step, params, state: RmspropState, grads):
    """Keras' RMSprop, with momentum."""
    lr, rho, eps, mom = hyper.learning_rate, hyper.rho, hyper.epsilon, hyper.momentum
    new_params, vs, ms = [], [], []
    for p, v, m, g in zip(params, state.velocity, state.momentum, grads, strict=True):
        v = rho * v + (1 - rho) * tf.square(g)
        m = mom * m + (lr * g) / tf.sqrt(v + eps)
        new_params.append(p - m)
        vs.append(v)
        ms.append(m)
    return new_params, RmspropState(vs, ms)


OPTIMIZERS = {
    "sgd": Optimizer(
        init=lambda params, like=tf.zeros_like: SgdState(_slots(params, like)),
        update=sgd_update,
    ),
    "adam": Optimizer(
        init=lambda params, like=tf.zeros_like: AdamState(
            _slots(params, like), _slots(params, like)
        ),
        update=adam_update,
    ),
    "rmsprop": Optimizer(
        init=lambda params, like=tf.zeros_like: RmspropState(
            _slots(params, like), _slots(params, like)
        ),
        update=rmsprop_update,
    ),
}
