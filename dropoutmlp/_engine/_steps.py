"""The training program's steps: pure functions of the program's typed values.

A program (:mod:`._programs`) is :func:`run` traced for one
:class:`~._programs.ProgramKey`: epochs of :func:`epoch`, each a loop of
:func:`train_step` (dropout draws, forward pass and loss, gradients, the
penalties' gradients, optimizer update, max-norm projection), then the
epoch's records: the loss without dropout (:func:`eval_loss`), the
validation score and the stopping rule (:func:`stopping_update`, which
``Model.fit``'s callback applies too).

With concrete dropout the parameters also hold the Dense layers' dropout
logits (``logit(p)``, moving only where ``key.concrete`` says), and the
regulariser joins every batch loss, its gradients written out as L2's are
(:func:`._maths.concrete_regularizer`).  The logits have an Adam of their
own whatever the weights' optimizer: the gradient of a layer's logit sums
over the layer's units, and a step size tuned for single weights (SGD at
the article's 0.1, momentum 0.9) throws it about; Adam's step is bounded by
its learning rate.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from . import _maths, _random
from ._optimizers import OPTIMIZERS
from ._state import (
    Curves,
    Hyper,
    Inputs,
    OptState,
    Params,
    ProgramState,
    Span,
    Stopping,
    TrainState,
)

# Most epochs one call runs (the curves' buffer length).
MAX_EPOCHS_PER_CALL = 256
# The dropout logits' Adam (concrete dropout); only its own fields are read.
CONCRETE_ADAM = Hyper(
    learning_rate=0.01,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-7,
    momentum=0.0,
    nesterov=0.0,
    rho=0.0,
    l2=0.0,
    tol=0.0,
    weight_reg=0.0,
    dropout_reg=0.0,
    power_t=0.0,
)
# MLPClassifier's "adaptive" schedule: the divisor of the rate, and the rate
# at or below which the stopping rule stops the fit instead.
ADAPTIVE_DIVISOR = 5.0
ADAPTIVE_MIN_RATE = 1e-6


def _n_dense(key) -> int:
    return len(key.layer_sizes) - 1


def _learned(key) -> list[int]:
    """The Dense layers whose input's dropout rate is learned."""
    return [i for i, flag in enumerate(key.concrete) if flag]


def _draw_widths(key) -> list[int]:
    """Columns of a step's draws each Dense layer's mask reads (0: no mask)."""
    widths = zip(key.layer_sizes[:-1], key.dropout, strict=True)
    return [width if flag else 0 for width, flag in widths]


def dropout_draws(key, seed, step) -> list:
    """Uniform draws of one step's masks, one block per Dense layer (or None).

    Compiled, one hashed block for every layer (one fused operation); in a
    graph, one Philox stream per layer with dropout.
    """
    widths, bs, n_dense = _draw_widths(key), key.batch_size, _n_dense(key)
    if key.compiled:
        offsets = np.cumsum([0, *widths])
        block = _random.uniform(_random.combine(seed, step), (bs, offsets[-1]))
        return [block[:, offsets[i] : offsets[i + 1]] for i in range(n_dense)]
    return [
        tf.random.stateless_uniform(
            (bs, width), seed=tf.stack([tf.cast(seed, tf.int32), step * n_dense + i])
        )
        if width
        else None
        for i, width in enumerate(widths)
    ]


def batch_rows(key, data: dict, idx):
    """Rows ``idx`` of the fit's ``x`` as a dense batch (CSR rows made dense)."""
    if not key.sparse:
        return tf.gather(data["x"], idx)
    values = tf.RaggedTensor.from_row_splits(data["x_values"], data["x_indptr"])
    columns = tf.RaggedTensor.from_row_splits(data["x_indices"], data["x_indptr"])
    values, columns = tf.gather(values, idx), tf.gather(columns, idx)
    where = tf.stack(
        [tf.cast(values.value_rowids(), tf.int64), columns.flat_values], axis=1
    )
    shape = tf.stack(
        [tf.cast(tf.shape(idx)[0], tf.int64), tf.constant(key.layer_sizes[0], tf.int64)]
    )
    return tf.scatter_nd(where, values.flat_values, shape)


def batch_loss(key, params: Params, rates, draws, xb, yb, wb, nb):
    """A batch's weighted mean loss, dropout on (penalties apart)."""
    learned = _learned(key)

    def dropout(i, h):
        if i in learned:
            return _maths.concrete_dropout(h, draws[i], params.logits[i])
        if not key.dropout[i]:
            return h
        return _maths.inverted_dropout(h, draws[i], rates[i])

    z = _maths.logits(params.weights, xb, key.activation, dropout)
    return tf.reduce_sum(_maths.row_losses(key.output_kind, yb, z) * wb) / nb


def add_penalties(key, hyper: Hyper, params: Params, loss, grads: Params):
    """The loss and gradients with L2 and concrete dropout's regulariser added.

    Their gradients are written out (each kernel's coefficient of its sum of
    squares), not taped.
    """
    learned = _learned(key)
    if not (key.l2 or learned):
        return loss, grads
    kernels = params.weights[::2]
    sq_norms = [tf.reduce_sum(tf.square(k)) for k in kernels]
    decay = [hyper.l2 if key.l2 else 0.0] * _n_dense(key)
    if key.l2:  # Keras' L2 on every kernel
        loss += hyper.l2 * tf.add_n(sq_norms)
    logit_grads = grads.logits
    if learned:
        penalty, concrete_decay, logit_grad = _maths.concrete_regularizer(
            tf.stack(sq_norms),
            params.logits,
            tf.constant(key.layer_sizes[:-1], tf.float32),
            tf.constant(key.concrete, tf.float32),
            hyper.weight_reg,
            hyper.dropout_reg,
        )
        loss += penalty
        logit_grads += logit_grad
        for i in learned:
            decay[i] += concrete_decay[i]
    weight_grads = list(grads.weights)
    for i, k in enumerate(kernels):
        if key.l2 or i in learned:
            weight_grads[2 * i] += 2.0 * decay[i] * k
    return loss, Params(weight_grads, logit_grads)


def apply_update(key, hyper: Hyper, limits, state: TrainState, grads: Params):
    """One optimizer step, then every max-norm projection."""
    params, opt_state = state.params, state.opt_state
    weights, weight_state = OPTIMIZERS[key.optimizer].update(
        hyper, state.step, params.weights, opt_state.weights, grads.weights
    )
    logits, logit_state = params.logits, opt_state.logits
    if _learned(key):  # the dropout logits, by an Adam of their own
        (logits,), logit_state = OPTIMIZERS["adam"].update(
            CONCRETE_ADAM, state.step, [logits], logit_state, [grads.logits]
        )
    weights = list(weights)
    for i, constrained in enumerate(key.constrained):
        if constrained:
            weights[2 * i] = _maths.max_norm(weights[2 * i], limits[i])
    return state._replace(
        params=Params(weights, logits),
        opt_state=OptState(weight_state, logit_state),
        step=state.step + 1,
    )


def train_step(key, inputs: Inputs, state: TrainState, idx, valid):
    """One mini-batch (rows ``idx``, real where ``valid``): the state after
    it and the batch's loss times its rows."""
    data = inputs.data
    nb = tf.reduce_sum(valid)
    xb, yb = batch_rows(key, data, idx), tf.gather(data["y"], idx)
    wb = tf.gather(data["w"], idx) * valid
    draws = (
        dropout_draws(key, inputs.seeds[1], state.step) if any(key.dropout) else None
    )
    with tf.GradientTape() as tape:
        tape.watch(state.params)
        loss = batch_loss(key, state.params, inputs.rates, draws, xb, yb, wb, nb)
    grads = tape.gradient(loss, state.params)
    loss, grads = add_penalties(key, inputs.hyper, state.params, loss, grads)
    return apply_update(key, inputs.hyper, inputs.limits, state, grads), loss * nb


def scheduled_rate(schedule: str, base, power_t, rows_seen, progress):
    """The learning rate of an epoch under ``schedule`` (from ``base``).

    ``"invscaling"``: ``base / (rows_seen + 1) ** power_t``, ``rows_seen``
    the rows trained on before the epoch (MLPClassifier's ``t_``);
    ``"cosine"``: ``base * (1 + cos(pi * progress)) / 2``, ``progress`` the
    fraction of the fit's epochs done; ``"constant"`` (and ``"adaptive"``,
    whose rate :func:`adapt` changes): ``base``.  Exactly ``base`` at the
    first epoch of a fresh fit.
    """
    if schedule == "invscaling":
        return base / tf.pow(rows_seen + 1.0, power_t)
    if schedule == "cosine":
        return base * 0.5 * (1.0 + tf.cos(np.pi * progress))
    return base


def first_rate(config, state) -> dict:
    """The first epoch's learning rate and the rows seen before it, for
    ``config`` continuing the fit whose ``OptimizerState`` is ``state``.

    The "adaptive" rate goes on from where a continued fit left it, the
    "invscaling" one from its rows seen; every schedule starts a fresh fit
    at ``learning_rate``.
    """
    rows_seen = 0.0 if state is None else state.rows_seen
    carried = None if state is None else state.learning_rate
    schedule = config.learning_rate_schedule
    if schedule == "adaptive" and carried is not None:
        rate = carried
    else:
        base = np.float32(config.learning_rate)
        rate = float(scheduled_rate(schedule, base, config.power_t, rows_seen, 0.0))
    return {
        "learning_rate": np.float32(rate),
        "rows_seen": np.float32(rows_seen),
    }


def adapt(best: Stopping, learning_rate, patience):
    """MLPClassifier's "adaptive" schedule at an epoch's end.

    Where the stopping rule would stop, the rate is divided by 5 and the
    rule's count restarts, unless the rate is ``ADAPTIVE_MIN_RATE`` or less:
    then the rule stops the fit.  Returns the rule's state and the rate.
    """
    drop = tf.logical_and(
        should_stop(best, patience), learning_rate > ADAPTIVE_MIN_RATE
    )
    count = tf.where(drop, 0, best.count)
    rate = tf.where(drop, learning_rate / ADAPTIVE_DIVISOR, learning_rate)
    return best._replace(count=count), rate


def next_rate(key, hyper: Hyper, state: TrainState, number, span: Span):
    """The learning rate of epoch ``number`` (after the one ``state`` ends)."""
    if key.schedule == "adaptive":
        return state.learning_rate
    progress = tf.cast(number - span.first, tf.float32) / tf.cast(
        span.epochs, tf.float32
    )
    return scheduled_rate(
        key.schedule, hyper.learning_rate, hyper.power_t, state.rows_seen, progress
    )


def epoch(key, inputs: Inputs, state: TrainState, number):
    """Epoch ``number``'s shuffle and mini-batches at ``state.learning_rate``:
    the state after it and its running loss (dropout on, the row-weighted
    mean of the batch losses)."""
    bs, n = key.batch_size, inputs.n_rows
    if key.schedule != "constant":
        inputs = inputs._replace(
            hyper=inputs.hyper._replace(learning_rate=state.learning_rate)
        )
    n_rows = key.n_rows if key.compiled else tf.shape(inputs.data["y"])[0]
    order = _random.epoch_order(n_rows, n, inputs.seeds[0], number)
    order = tf.concat([order, tf.zeros([bs], tf.int32)], 0)  # slices in range
    n_batches = (n + bs - 1) // bs

    def body(b, state, total):
        idx = tf.slice(order, [b * bs], [bs])
        valid = tf.cast(b * bs + tf.range(bs) < n, tf.float32)
        state, batch_total = train_step(key, inputs, state, idx, valid)
        return b + 1, state, total + batch_total

    _, state, total = tf.while_loop(
        lambda b, *_: b < n_batches,
        body,
        (tf.constant(0), state, tf.constant(0.0)),
    )
    state = state._replace(rows_seen=state.rows_seen + tf.cast(n, tf.float32))
    return state, total / tf.cast(n, tf.float32)


def eval_loss(key, weights, data: dict, l2):
    """The training rows' loss with dropout off, as Keras' ``evaluate``.

    Measured on the rows ``data["eval_rows"]`` (padding where
    ``data["eval_valid"]`` is 0), plus the L2 penalty (``l2`` its factor):
    the loss rule's signal.  Sparse rows are made dense a batch at a time.
    """
    idx, valid, bs = data["eval_rows"], data["eval_valid"], key.batch_size

    def total(idx, valid):
        z = _maths.logits(weights, batch_rows(key, data, idx), key.activation)
        row_loss = _maths.row_losses(key.output_kind, tf.gather(data["y"], idx), z)
        return tf.reduce_sum(row_loss * tf.gather(data["w"], idx) * valid)

    if key.sparse:
        idx = tf.concat([idx, tf.zeros([bs], idx.dtype)], 0)
        valid = tf.concat([valid, tf.zeros([bs])], 0)
        n_chunks = (tf.size(idx) - 1) // bs
        _, summed = tf.while_loop(
            lambda c, _: c < n_chunks,
            lambda c, acc: (
                c + 1,
                acc
                + total(tf.slice(idx, [c * bs], [bs]), tf.slice(valid, [c * bs], [bs])),
            ),
            (tf.constant(0), tf.constant(0.0)),
        )
    else:
        summed = total(idx, valid)
    loss = summed / tf.reduce_sum(valid)
    if key.l2:
        loss += l2 * tf.add_n([tf.reduce_sum(tf.square(k)) for k in weights[::2]])
    return loss


def validation_scoring(key, weights, data: dict, l2):
    """The validation rows' score, as scikit-learn's ``score`` with their
    weights, and their loss, as Keras' ``val_loss`` (the weighted mean loss
    plus L2, ``l2`` its factor); dropout off."""
    z = _maths.logits(weights, data["x_val"], key.activation)
    outputs = _maths.outputs(key.output_kind, z)
    w = data["w_val"]
    score = _maths.score(key.output_kind, data["y_val"], outputs, w)
    row_loss = _maths.row_losses(key.output_kind, data["y_val"], z)
    loss = tf.reduce_sum(row_loss * w) / tf.reduce_sum(w)
    if key.l2:
        loss += l2 * tf.add_n([tf.reduce_sum(tf.square(k)) for k in weights[::2]])
    return score, loss


def current_rates(key, params: Params, rates):
    """Each Dense layer's input dropout rate, learned or given."""
    return tf.where(tf.constant(key.concrete), tf.sigmoid(params.logits), rates)


def stopping_update(best: Stopping, score, tol, params, keep_best: bool) -> Stopping:
    """The stopping rule after an epoch of ``score`` (higher is better).

    ``MLPClassifier``'s rule: the count of epochs without an improvement of
    ``tol`` on the best score restarts at an epoch that improves by ``tol``
    and grows otherwise; a fit stops once it exceeds ``n_iter_no_change``
    (:func:`should_stop`).  With ``keep_best`` (the validation rule, which
    restores them) the best epoch's ``params`` are kept.  Every engine
    applies this function: the programs in their graphs, ``Model.fit``'s
    callback eagerly.
    """
    count = tf.where(score >= best.score + tol, 0, best.count + 1)
    better = score > best.score
    kept = best.params
    if keep_best:
        kept = tf.nest.map_structure(
            lambda p, bp: tf.where(better, p, bp), params, best.params
        )
    return Stopping(tf.where(better, score, best.score), count, kept)


def should_stop(best: Stopping, patience):
    """Whether the stopping rule ends the fit."""
    return best.count > patience


def _records(key, inputs: Inputs, params: Params, loss, rate, curves: Curves, at):
    """The epoch's curves (``rate`` its learning rate), its finiteness and its
    stopping score."""
    weights = params.weights
    clean = eval_loss(key, weights, inputs.data, inputs.hyper.l2)
    losses = tf.tensor_scatter_nd_update(curves.losses, at, [loss])
    eval_losses = tf.tensor_scatter_nd_update(curves.eval_losses, at, [clean])
    rate_curve, scores = curves.rates, curves.scores
    validation_losses = curves.validation_losses
    if _learned(key):
        rates = current_rates(key, params, inputs.rates)
        rate_curve = tf.tensor_scatter_nd_update(rate_curve, at, [rates])
    # The loss without dropout too: outputs can overflow while the weights
    # stay finite (an exponential output, say).
    finite = _maths.all_finite((loss, clean), tf.nest.flatten(params))
    score = -clean  # the training loss without dropout, as a score
    if key.scored:
        validation, validation_loss = validation_scoring(
            key, weights, inputs.data, inputs.hyper.l2
        )
        scores = tf.tensor_scatter_nd_update(scores, at, [validation])
        validation_losses = tf.tensor_scatter_nd_update(
            validation_losses, at, [validation_loss]
        )
        if key.stopping == "validation":
            score = validation
    learning_rates = tf.tensor_scatter_nd_update(curves.learning_rates, at, [rate])
    curves = Curves(
        losses, eval_losses, scores, validation_losses, rate_curve, learning_rates
    )
    return curves, finite, score


def run(key, state: ProgramState, inputs: Inputs, span: Span):
    """Epochs ``[span.start, span.stop)`` of a fit, until the stopping rule
    ends it or a loss or weight stops being finite.

    Returns the state, the epoch reached, whether all stayed finite and the
    call's :class:`~._state.Curves`.
    """

    def body(number, state, finite, curves):
        train, loss = epoch(key, inputs, state.train, number)
        at = [[number - span.start]]
        used = state.train.learning_rate
        curves, finite, score = _records(
            key, inputs, train.params, loss, used, curves, at
        )
        best = stopping_update(
            state.best,
            score,
            inputs.hyper.tol,
            train.params,
            keep_best=key.stopping == "validation",
        )
        if key.schedule == "adaptive":
            best, rate = adapt(best, train.learning_rate, span.patience)
            train = train._replace(learning_rate=rate)
        train = train._replace(
            learning_rate=next_rate(key, inputs.hyper, train, number + 1, span)
        )
        return number + 1, ProgramState(train, best), finite, curves

    def keep_going(number, state, finite, curves):
        # The first epoch always runs, as in MLPClassifier: a warm start
        # carries the rule's count over, and is stopped after an epoch.
        first = tf.equal(number, span.start)
        patient = tf.logical_or(
            first, tf.logical_not(should_stop(state.best, span.patience))
        )
        return tf.logical_and(tf.logical_and(number < span.stop, patient), finite)

    buffer = tf.zeros([MAX_EPOCHS_PER_CALL])
    rate_rows = MAX_EPOCHS_PER_CALL if _learned(key) else 0  # only learned rates
    curves = Curves(
        buffer, buffer, buffer, buffer, tf.zeros([rate_rows, _n_dense(key)]), buffer
    )
    number, state, finite, curves = tf.while_loop(
        keep_going, body, (span.start, state, tf.constant(True), curves)
    )
    return state, number, finite, curves
