"""The training maths in TensorFlow ops, shared by every engine program.

Pure functions of tensors: the network's forward pass with dropout, the
per-row losses Keras computes, scikit-learn's validation scores, Keras'
``MaxNorm``, and concrete dropout's relaxed mask and regulariser (the
optimizers are in :mod:`._optimizers`).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from .._network import OUTPUT_KINDS, REGRESSION_KINDS

# Temperature of the concrete relaxation (the paper's 0.1), by its inverse:
# an integer, the power concrete_dropout raises its odds to.
CONCRETE_INVERSE_TEMPERATURE = 10
CONCRETE_TEMPERATURE = 1 / CONCRETE_INVERSE_TEMPERATURE


def logits(params, x, activation: str, dropout=None):
    """The output layer's pre-activation of the network whose weights are ``params``.

    ``params`` is the weight list (kernel, bias, kernel, ...).  ``dropout``,
    when given, is called as ``dropout(i, h)`` on the input ``h`` of each
    ``Dense`` layer ``i`` and returns it with its mask applied.
    """
    hidden = keras.activations.get(activation)
    n_dense = len(params) // 2
    h = x
    for i in range(n_dense):
        if dropout is not None:
            h = dropout(i, h)
        z = tf.nn.bias_add(tf.matmul(h, params[2 * i]), params[2 * i + 1])
        h = z if i == n_dense - 1 else hidden(z)
    return h


def outputs(kind: str, z):
    """The network's output from its logits ``z``."""
    return keras.activations.get(OUTPUT_KINDS[kind][0])(z)


def inverted_dropout(h, keep_draw, rate):
    """Zero ``h`` where ``keep_draw < rate`` and scale the rest by ``1/(1-rate)``.

    ``keep_draw`` holds uniform draws on [0, 1) of ``h``'s shape; a rate of 0
    returns ``h`` unchanged, exactly.
    """
    keep = tf.cast(keep_draw >= rate, h.dtype)
    return h * (keep / (1.0 - rate))


def concrete_dropout(h, draw, logit):
    """Concrete dropout of ``h`` (Gal, Hron and Kendall, 2017, eq. 5).

    The Bernoulli mask's continuous relaxation: from uniform draws ``u`` (of
    ``h``'s shape) and the dropout rate ``p = sigmoid(logit)``, the relaxed
    drop indicator is ``sigmoid((log p - log(1-p) + log u - log(1-u)) / t)``
    at the temperature ``t = CONCRETE_TEMPERATURE``; ``h`` is multiplied by
    one minus it and scaled by ``1/(1-p)``, so that gradients reach ``logit``
    through both.  The paper's reference code adds ``1e-7`` inside the
    logarithms of ``u``, as here.

    Computed without a logarithm or an exponential per draw, which were
    most of what concrete dropout added to a compiled step: one minus the
    indicator is ``1 / (1 + r**(1/t))`` with ``r = exp(logit) * (u + 1e-7) /
    (1 - u + 1e-7)``, and ``1/t`` is an integer (a few multiplications; an
    overflow to infinity gives the indicator's limit, 1).  The gradient is
    written out from the mask alone, where a taped one would divide the
    overflowed power by itself: with ``k`` one minus the indicator and ``s =
    1 / (1-p) = 1 + exp(logit)``, the output ``h k s`` has ``d/dh = k s`` and
    ``d/dlogit = sum(h k (exp(logit) - (1-k) s / t))``.
    """
    eps = 1e-7
    odds = tf.exp(logit)  # p / (1 - p), one per layer
    scale = 1.0 + odds  # 1 / (1 - p)
    r = odds * ((draw + eps) / (1.0 - draw + eps))
    kept = 1.0 / (1.0 + _power(r, CONCRETE_INVERSE_TEMPERATURE))

    @tf.custom_gradient
    def masked(h, logit):
        kept_h = h * kept

        def grad(g):
            slope = odds - (1.0 - kept) * (scale * CONCRETE_INVERSE_TEMPERATURE)
            return g * (kept * scale), tf.reduce_sum(g * kept_h * slope)

        return kept_h * scale, grad

    return masked(h, logit)


def _power(x, n: int):
    """``x**n`` for a positive integer ``n``, by repeated squaring."""
    result = None
    while n:
        if n & 1:
            result = x if result is None else result * x
        n >>= 1
        if n:
            x = x * x
    return result


def concrete_regularizer(
    sq_norms, logits, n_inputs, learned, weight_factor, dropout_factor
):
    """The concrete dropout regulariser (Gal et al., 2017, eq. 3) and its gradients.

    Per layer, ``weight_factor * sum(kernel**2) / (1 - p)`` plus
    ``dropout_factor * K * (p log p + (1 - p) log(1 - p))``, where ``p =
    sigmoid(logit)`` is the dropout rate of the layer's input and ``K`` its
    width; the caller divides both factors by the number of training rows.
    All arguments but the factors are vectors over the ``Dense`` layers:
    their kernels' ``sum(kernel**2)``, their dropout logits, their input
    widths and 1 where the rate is learned (the other layers add nothing).

    Returns the regulariser (summed over the layers); each layer's weight
    decay ``weight_factor / (1 - p)``, the coefficient of ``sum(kernel**2)``,
    so that the kernel's gradient is twice it times the kernel; and the
    gradient with respect to the logits.  The gradients are written out, the
    way the training programs write out L2's, rather than taped: ``1 / (1 -
    p) = 1 + exp(logit)``, whose derivative is ``exp(logit)``, and the
    negative entropy's derivative is ``p (1 - p) logit``.
    """
    odds = tf.exp(logits) * learned  # p / (1 - p)
    p = tf.sigmoid(logits)
    decay = weight_factor * (1.0 + odds) * learned
    entropy_weight = dropout_factor * n_inputs * learned
    log_p, log_q = tf.math.log_sigmoid(logits), tf.math.log_sigmoid(-logits)
    negative_entropy = p * log_p + (1.0 - p) * log_q
    value = tf.reduce_sum(decay * sq_norms + entropy_weight * negative_entropy)
    logit_grad = (
        weight_factor * odds * sq_norms + entropy_weight * p * (1.0 - p) * logits
    )
    return value, decay, logit_grad


def row_losses(kind: str, y, z):
    """Per-row loss from logits ``z``: what Keras' compiled loss computes.

    The loss is the Keras loss of ``OUTPUT_KINDS[kind]``.  Keras'
    cross-entropies, given a sigmoid or softmax output inside a graph, read
    its logits and use these same TensorFlow ops.  Keras' ``poisson`` loss on
    the exponential output ``exp(z)``, ``exp(z) - y * log(exp(z) + eps)``,
    is computed as ``exp(z) - y * z`` (the Poisson deviance's terms that
    depend on ``z``), finite however negative ``z`` grows.
    """
    loss = OUTPUT_KINDS[kind][1]
    if loss == "categorical_crossentropy":
        return tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z)
    if loss == "mean_squared_error":
        return tf.reduce_mean(tf.square(y - z), axis=-1)
    if loss == "poisson":
        return tf.reduce_mean(tf.exp(z) - y * z, axis=-1)
    if loss == "binary_crossentropy":
        per_unit = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z)
        return tf.reduce_mean(per_unit, axis=-1)
    raise ValueError(f"No per-row loss for the Keras loss {loss!r} ({kind}).")


def score(kind: str, y_true, y_pred, valid):
    """Validation score as scikit-learn's ``score`` computes it, weighted.

    ``valid`` holds the rows' weights (0 in the padding): a weighted
    accuracy, or a weighted :math:`R^2` as ``r2_score`` with
    ``sample_weight``.
    ``y_pred`` is the network's output (the response, e.g. ``exp`` of the
    logits of a Poisson regression): a regressor's score is :math:`R^2`.
    """
    n = tf.reduce_sum(valid)
    if kind in REGRESSION_KINDS:  # R^2, averaged uniformly over outputs
        v = valid[:, None]
        mean = tf.reduce_sum(y_true * v, axis=0) / n
        ss_res = tf.reduce_sum(tf.square(y_true - y_pred) * v, axis=0)
        ss_tot = tf.reduce_sum(tf.square(y_true - mean) * v, axis=0)
        r2 = tf.where(ss_tot > 0, 1.0 - ss_res / tf.maximum(ss_tot, 1e-30), 0.0)
        return tf.reduce_mean(r2)
    # tf.equal, not ==: in a graph outside tf.function (the programs' own
    # sessions), == on tensors compares their identity.
    if kind == "binary":
        hit = tf.equal(tf.cast(y_pred[:, 0] > 0.5, y_true.dtype), y_true[:, 0])
    elif kind == "multiclass":
        hit = tf.equal(tf.argmax(y_pred, axis=1), tf.argmax(y_true, axis=1))
    else:  # multilabel: every label right
        right = tf.equal(tf.cast(y_pred > 0.5, y_true.dtype), y_true)
        hit = tf.reduce_all(right, axis=1)
    return tf.reduce_sum(tf.cast(hit, tf.float32) * valid) / n


def max_norm(w, limit):
    """Keras' ``MaxNorm(limit, axis=0)``; an infinite limit leaves ``w`` as it is."""
    norms = tf.sqrt(tf.reduce_sum(tf.square(w), axis=0, keepdims=True))
    desired = tf.clip_by_value(norms, 0.0, limit)
    clipped = w * (desired / (keras.config.epsilon() + norms))
    return tf.where(tf.math.is_finite(limit), clipped, w)


def all_finite(losses, params):
    """Whether every loss in ``losses`` and every weight in ``params`` is finite."""
    checks = [tf.reduce_all(tf.math.is_finite(p)) for p in params]
    losses = [tf.math.is_finite(loss) for loss in losses]
    return tf.reduce_all(tf.stack([*losses, *checks]))
