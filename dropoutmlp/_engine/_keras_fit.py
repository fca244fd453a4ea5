"""The fallback: a fit through Keras' ``Model.fit``, with the engine's rules.

Keras callbacks and optimizers other than ``sgd``, ``adam`` and ``rmsprop``
(or options those do not have) need ``Model.fit``.  It runs here with the
engine's row order (:func:`._random.epoch_order_np`), its stopping rules and
its divergence check, so that without dropout both give the same model.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import scipy.sparse as sp
import tensorflow as tf

from .._compat import dropout_seed_states, optimizer_slots
from .._network import NetworkSpec, build_mlp, get_weights, set_weights
from . import _maths, _random
from ._config import (
    DivergenceError,
    OptimizerState,
    TrainingConfig,
    TrainingResult,
    make_optimizer,
)
from ._inference import BLOCK_ROWS
from ._programs import eval_rows


class _SeededBatches(keras.utils.PyDataset):
    """Mini-batches in the engine's row order of every epoch.

    Epoch ``k`` of the fit uses the order of engine epoch ``first_epoch + k``;
    a sparse ``x`` is made dense one batch at a time.
    """

    def __init__(self, x, y, w, batch_size, seed, first_epoch=0):
        super().__init__()
        self.x, self.y, self.w = x, y, w
        self.batch_size = batch_size
        self._seed = seed
        self._epoch = first_epoch - 1
        self._order = np.arange(len(y))  # read only by Keras' peek at the data

    def __len__(self):
        return math.ceil(len(self.y) / self.batch_size)

    def __getitem__(self, i):
        idx = self._order[i * self.batch_size : (i + 1) * self.batch_size]
        xb = self.x[idx]
        return (xb.toarray() if sp.issparse(xb) else xb), self.y[idx], self.w[idx]

    def on_epoch_begin(self):
        # Keras calls ``on_epoch_end`` once before training starts, and
        # ``on_epoch_begin`` exactly once per epoch: shuffle here.
        self._epoch += 1
        self._order = _random.epoch_order_np(len(self.y), self._seed, self._epoch)


class _Watch(keras.callbacks.Callback):
    """The engine's end-of-epoch rules for ``Model.fit``.

    Stops on a non-finite loss or weight, and applies the stopping rule of
    the config: scikit-learn's (``MLPClassifier``'s) rule on the validation
    score, restoring the best weights, or on the training loss.
    """

    def __init__(self, spec: NetworkSpec, config: TrainingConfig, validation, train):
        super().__init__()
        self.spec, self.config, self.validation = spec, config, validation
        self.train_rows = train  # (x, y, w) of the rows the eval loss reads
        self.losses: list[float] = []
        self.eval_losses: list[float] = []
        self.scores: list[float] = []
        self.best_score, self.count, self.best_weights = -np.inf, 0, None
        self.diverged = False
        self.stopped = False

    def carry(self, state: OptimizerState | None) -> None:
        """Continue the loss rule where the fit ``state`` ended left it."""
        if state is not None and self.config.stopping == "loss":
            self.best_score, self.count = -state.best_loss, state.no_improvement_count

    def on_epoch_end(self, epoch, logs=None):
        loss = float((logs or {}).get("loss", np.nan))
        self.losses.append(loss)
        weights = self.model.get_weights()
        if not (np.isfinite(loss) and all(np.isfinite(v).all() for v in weights)):
            self.diverged = self.model.stop_training = True
            return
        eval_loss = _eval_loss(self.spec, get_weights(self.model), *self.train_rows)
        self.eval_losses.append(eval_loss)
        if not np.isfinite(eval_loss):  # outputs overflow, the weights finite
            self.diverged = self.model.stop_training = True
            return
        rule = self.config.stopping
        if rule == "validation":
            x_val, y_val = self.validation
            y_pred = self.model(x_val, training=False)
            valid = tf.ones(len(y_val))
            kind = self.spec.output_kind
            score = float(_maths.score(kind, tf.constant(y_val), y_pred, valid))
            self.scores.append(score)
        else:
            score = -eval_loss
        tol = self.config.tol
        self.count = 0 if score >= self.best_score + tol else self.count + 1
        if score > self.best_score:
            self.best_score = score
            if rule == "validation":
                self.best_weights = weights
        if self.count > self.config.n_iter_no_change:
            self.stopped = self.model.stop_training = True

    def rule_state(self) -> dict:
        """Where the loss rule stands, for a fit that continues this one."""
        if self.config.stopping != "loss":
            return {}
        return {"best_loss": -self.best_score, "no_improvement_count": self.count}

    def on_train_end(self, logs=None):
        if self.best_weights is not None and not self.diverged:
            self.model.set_weights(self.best_weights)


def _eval_loss(spec: NetworkSpec, weights, x, y, w) -> float:
    """The programs' eval loss: rows' mean loss with dropout off, plus L2.

    A sparse ``x`` is made dense ``BLOCK_ROWS`` rows at a time.
    """
    params = [tf.constant(v) for v in weights]
    total = 0.0
    for start in range(0, len(y), BLOCK_ROWS):
        block = slice(start, start + BLOCK_ROWS)
        xb = x[block].toarray() if sp.issparse(x) else x[block]
        z = _maths.logits(params, tf.constant(xb, tf.float32), spec.activation)
        losses = _maths.row_losses(spec.output_kind, tf.constant(y[block]), z)
        total += float(tf.reduce_sum(losses * w[block]))
    penalty = spec.l2 * sum(
        np.sum(np.square(k, dtype=np.float64)) for k in weights[::2]
    )
    return float(total / len(y) + penalty)


def _kind(optimizer: keras.optimizers.Optimizer) -> str:
    return f"keras:{type(optimizer).__name__}"


def train(
    spec: NetworkSpec,
    config: TrainingConfig,
    weights: list[np.ndarray],
    x,
    y: np.ndarray,
    w: np.ndarray,
    validation,
    state: OptimizerState | None,
) -> TrainingResult:
    """:func:`~dropoutmlp._engine.train` through ``Model.fit``."""
    # The Dropout layers draw from the fit's dropout seed; the initializers'
    # draws are replaced by ``weights``.
    model = build_mlp(spec, seed=int(config.seeds()[1]))
    set_weights(model, weights)
    model.compile(optimizer=make_optimizer(config), loss=spec.loss)
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    kind = _kind(optimizer)
    fresh = lambda: [v.numpy() for v in optimizer_slots(optimizer)]  # noqa: E731
    slots, step, first_epoch = (
        (fresh(), 0, 0) if state is None else state.continued(kind, fresh)
    )
    for variable, value in zip(optimizer_slots(optimizer), slots, strict=True):
        variable.assign(value)
    optimizer.iterations.assign(step)
    streams = dropout_seed_states(model)
    if state is not None and len(state.dropout_streams) == len(streams):
        for variable, value in zip(streams, state.dropout_streams, strict=True):
            variable.assign(value)  # the masks go on where the last fit stopped
    shuffle_seed = int(config.seeds()[0])
    rows = eval_rows(len(y), shuffle_seed)
    watch = _Watch(spec, config, validation, (x[rows], y[rows], w[rows]))
    watch.carry(state)
    model.fit(
        _SeededBatches(x, y, w, config.batch_size, shuffle_seed, first_epoch),
        epochs=config.epochs,
        shuffle=False,
        verbose=config.verbose,
        callbacks=[*config.callbacks, watch],
    )
    # Read from our own callback: a user's History would hold earlier fits too.
    losses = watch.losses
    if watch.diverged:
        raise DivergenceError(first_epoch + len(losses))
    return TrainingResult(
        weights=get_weights(model),
        rates=spec.rates,
        rate_curve=None,
        loss_curve=losses,
        eval_loss_curve=watch.eval_losses,
        validation_scores=watch.scores if config.early_stopping else None,
        n_iter=len(losses),
        engine="keras",
        state=OptimizerState(
            optimizer=kind,
            slots=[v.numpy() for v in optimizer_slots(optimizer)],
            step=int(optimizer.iterations.numpy()),
            epoch=first_epoch + len(losses),
            dropout_streams=[v.numpy() for v in streams],
            **watch.rule_state(),
        ),
        stopped_early=watch.stopped,
    )
