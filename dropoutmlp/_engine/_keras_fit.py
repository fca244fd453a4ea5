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

from .._compat import dropout_seed_states, optimizer_slots
from .._network import NetworkSpec, build_mlp, get_weights, set_weights
from . import _random, _steps
from ._config import (
    DivergenceError,
    OptimizerState,
    TrainingConfig,
    TrainingResult,
    make_optimizer,
)
from ._programs import eval_rows, program_data, program_key
from ._state import Stopping


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

    Stops on a non-finite loss or weight, and applies the programs' own
    steps to the epoch's weights: the loss with dropout off
    (:func:`._steps.eval_loss`), the validation rows' score and loss
    (:func:`._steps.validation_scoring`) and the stopping rule
    (:func:`._steps.stopping_update`), restoring the validation rule's best
    weights at the end; and the learning-rate schedule, setting the
    optimizer's rate before every epoch (:func:`._steps.scheduled_rate`,
    :func:`._steps.adapt`).
    """

    def __init__(self, key, config: TrainingConfig, data: dict, state):
        super().__init__()
        # The programs' view of the fit: a graph program's key and its data.
        self.key, self.config, self.data = key, config, data
        self.losses: list[float] = []
        self.eval_losses: list[float] = []
        self.scores: list[float] = []
        self.validation_losses: list[float] = []
        score, count = -np.inf, 0
        if state is not None and config.stopping == "loss":  # carried over
            score, count = -state.best_loss, state.no_improvement_count
        self.best = Stopping(np.float64(score), np.int32(count), [])
        start = _steps.first_rate(config, state)
        self.rate, self.rows_seen = start["learning_rate"], start["rows_seen"]
        self.learning_rates: list[float] = []
        self.diverged = False
        self.stopped = False

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if self.config.learning_rate_schedule != "constant":
            optimizer.learning_rate = self.rate
        self.learning_rates.append(float(np.asarray(optimizer.learning_rate)))

    def on_epoch_end(self, epoch, logs=None):
        loss = float((logs or {}).get("loss", np.nan))
        self.losses.append(loss)
        weights = get_weights(self.model)
        if not (np.isfinite(loss) and all(np.isfinite(v).all() for v in weights)):
            self.diverged = self.model.stop_training = True
            return
        eval_loss = float(
            _steps.eval_loss(self.key, weights, self.data, np.float32(self.config.l2))
        )
        self.eval_losses.append(eval_loss)
        if not np.isfinite(eval_loss):  # outputs overflow, the weights finite
            self.diverged = self.model.stop_training = True
            return
        validation = self.config.stopping == "validation"
        score = -eval_loss
        if self.key.scored:
            scored, validation_loss = _steps.validation_scoring(
                self.key, weights, self.data, np.float32(self.config.l2)
            )
            self.scores.append(float(scored))
            self.validation_losses.append(float(validation_loss))
            if validation:
                score = float(scored)
        if not self.best.params:  # the first epoch's weights start the rule
            self.best = self.best._replace(params=weights)
        self.best = _steps.stopping_update(
            self.best, np.float64(score), self.config.tol, weights, validation
        )
        self._advance_rate(epoch)
        if _steps.should_stop(self.best, self.config.patience):
            self.stopped = self.model.stop_training = True

    def _advance_rate(self, epoch: int) -> None:
        """The schedule's rate for the epoch after ``epoch`` (of this fit)."""
        config = self.config
        self.rows_seen = np.float32(self.rows_seen + len(self.data["y"]))
        if config.learning_rate_schedule == "adaptive":
            self.best, rate = _steps.adapt(
                self.best, np.float32(self.rate), np.int32(config.patience)
            )
        else:
            rate = _steps.scheduled_rate(
                config.learning_rate_schedule,
                np.float32(config.learning_rate),
                np.float32(config.power_t),
                self.rows_seen,
                np.float32((epoch + 1) / config.epochs),
            )
        self.rate = np.float32(rate)

    def rule_state(self) -> dict:
        """Where the loss rule stands, for a fit that continues this one."""
        if self.config.stopping != "loss":
            return {}
        return {
            "best_loss": -float(self.best.score),
            "no_improvement_count": int(self.best.count),
        }

    def on_train_end(self, logs=None):
        if (
            self.config.stopping == "validation"
            and self.best.params
            and not self.diverged
        ):
            set_weights(self.model, [np.asarray(v) for v in self.best.params])


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
    optimizer: keras.optimizers.Optimizer | None,
) -> TrainingResult:
    """:func:`~dropoutmlp._engine.train` through ``Model.fit``."""
    # The Dropout layers draw from the fit's dropout seed; the initializers'
    # draws are replaced by ``weights``.
    model = build_mlp(spec, seed=int(config.seeds()[1]), l2=config.l2)
    set_weights(model, weights)
    if optimizer is None:
        optimizer = make_optimizer(config)
    model.compile(optimizer=optimizer, loss=spec.loss)
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
    n_val = 0 if validation is None else len(validation[1])
    key = program_key(spec, config, "graph", len(y), n_val, sp.issparse(x), len(rows))
    data = program_data(key, x, y, w, validation, rows)
    watch = _Watch(key, config, data, state)
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
        learning_rate_curve=watch.learning_rates,
        validation_scores=watch.scores if key.scored else None,
        validation_loss_curve=watch.validation_losses if key.scored else None,
        n_iter=len(losses),
        engine="keras",
        state=OptimizerState(
            optimizer=kind,
            slots=[v.numpy() for v in optimizer_slots(optimizer)],
            step=int(optimizer.iterations.numpy()),
            epoch=first_epoch + len(losses),
            learning_rate=float(watch.rate),
            rows_seen=float(watch.rows_seen),
            dropout_streams=[v.numpy() for v in streams],
            **watch.rule_state(),
        ),
        stopped_early=watch.stopped,
    )
