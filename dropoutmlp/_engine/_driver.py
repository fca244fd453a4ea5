"""Running a fit: which program trains it, and the calls that drive it.

:func:`train` sends a fit to a compiled (XLA) program, to a graph program or
to Keras' ``Model.fit`` (:mod:`._keras_fit`), by rules that depend on the fit
alone (never on what ran before), so the same estimator and data always take
the same path and give the same model.  The programs run the epochs in calls
of about a quarter of a second, so that progress shows, Ctrl-C stops a fit
promptly and a diverging fit stops at once.
"""

from __future__ import annotations

import math
import sys
import time

import keras
import numpy as np
import scipy.sparse as sp
import tensorflow as tf

from .._network import NetworkSpec
from . import _keras_fit
from ._config import (
    ENGINE_OPTIMIZERS,
    MOMENTUM_OPTIMIZERS,
    DivergenceError,
    OptimizerState,
    TrainingConfig,
    TrainingResult,
    check_engine,
)
from ._programs import (
    PROGRAMS,
    ProgramKey,
    eval_rows,
    init_state,
    program_data,
    program_key,
)
from ._state import Curves, Hyper, Inputs, Params, ProgramState, Span, Stopping
from ._steps import MAX_EPOCHS_PER_CALL, first_rate, should_stop

# A fit of at least this many optimizer steps (epochs x batches), or of at
# least XLA_MIN_ROWS row visits (epochs x rows), runs compiled: XLA's
# compilation (one to three seconds for a small network, shared by the folds
# of a cross-validation) is then repaid against the graph program's cost,
# which is per step for small batches and grows with the batch (measured on
# 1,600 x 18 rows, (100,) net, per step: graph 0.27, 0.32 and 1.33 ms at
# batch 16, 64 and 200; compiled 0.06, 0.14 and 0.27 ms).
XLA_MIN_STEPS = 2000
XLA_MIN_ROWS = 100_000
# Target duration of one program call (the first calls are one epoch each).
CALL_SECONDS = 0.25


def choose_engine(
    spec: NetworkSpec, config: TrainingConfig, n_rows: int, sparse: bool
) -> str:
    """Which engine trains this fit: ``config.engine``, or its choice on "auto".

    On "auto": ``Model.fit`` ("keras") when the programs cannot train the
    optimizer or callbacks; the graph program for sparse rows (XLA cannot
    gather them) and for fits too short to repay a compilation; else the
    compiled program ("xla").  A pure function of the fit.

    Raises
    ------
    ValueError
        For a setting that cannot train this fit (see
        :func:`._config.check_engine`), or ``"xla"`` with sparse rows.
    """
    check_engine(
        config.engine,
        spec.learned,
        config.optimizer,
        config.optimizer_options,
        config.callbacks,
    )
    if config.engine == "xla" and sparse:
        raise ValueError(
            "engine='xla' cannot gather the rows of a sparse X; use "
            "engine='graph' or 'auto' (which trains sparse X on the graph "
            "program), or pass X dense."
        )
    if config.engine != "auto":
        return config.engine
    if not config.programs_train:
        return "keras"
    steps = config.epochs * math.ceil(n_rows / config.batch_size)
    short = steps < XLA_MIN_STEPS and config.epochs * n_rows < XLA_MIN_ROWS
    return "graph" if sparse or short else "xla"


def train(
    spec: NetworkSpec,
    config: TrainingConfig,
    weights: list[np.ndarray],
    x: np.ndarray | sp.csr_matrix,
    y: np.ndarray,
    sample_weight: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    state: OptimizerState | None = None,
    optimizer: keras.optimizers.Optimizer | None = None,
) -> TrainingResult:
    """Train the network ``spec`` describes, from ``weights``.

    Parameters
    ----------
    spec : NetworkSpec
        The network.
    config : TrainingConfig
        Optimizer, epochs (of this call), batches, stopping rule, seed,
        verbosity.
    weights : list of ndarray of float32
        Where training starts: the weight list of ``spec.weight_shapes``
        (left unchanged; the trained weights are in the result).
    x : ndarray or scipy.sparse.csr_matrix of float32
        Training rows; a sparse matrix is made dense one mini-batch at a time.
        Their number is the ``N`` of the concrete dropout regulariser.
    y : ndarray of float32
        Encoded targets (2-D, one column per output unit).
    sample_weight : ndarray of float32 of shape (n_samples,)
        Per-row weights (class weights already folded in).
    validation : (x_val, y_val, w_val), optional
        Held-out rows (``x_val`` dense or CSR), their encoded targets and
        weights, scored after every epoch (their score and loss recorded);
        with ``config.early_stopping`` the stopping rule reads their score.
    state : OptimizerState, optional
        Where a previous fit of this network left its optimizer: training
        continues from it (slots, step count, and the epoch count that seeds
        the shuffles and dropout masks).  A state of another optimizer is not
        applicable: the optimizer then starts afresh, the epoch count still
        continues.
    optimizer : keras.optimizers.Optimizer, optional
        The Keras optimizer ``config`` describes, already built by the caller
        (:func:`make_optimizer`), for the ``"keras"`` engine to train with;
        built here when not given.  The programs read ``config`` alone.

    Returns
    -------
    TrainingResult

    Raises
    ------
    ValueError
        Before any work, for an engine setting that cannot train the fit
        (:func:`choose_engine`).
    DivergenceError
        The training loss (with dropout or without) or the weights stopped
        being finite; training stops at the end of that epoch.
    """
    if validation is not None and sp.issparse(validation[0]):
        validation = (validation[0].toarray(), *validation[1:])
    engine = choose_engine(spec, config, x.shape[0], sp.issparse(x))
    if engine == "keras":
        return _keras_fit.train(
            spec, config, weights, x, y, sample_weight, validation, state, optimizer
        )
    return _train_program(
        engine, spec, config, weights, x, y, sample_weight, validation, state
    )


def _hyper(config: TrainingConfig, n_rows: int) -> Hyper:
    """The fit's :class:`~._state.Hyper` values, in float32."""
    values = dict(ENGINE_OPTIMIZERS["adam"], **ENGINE_OPTIMIZERS["rmsprop"])
    values.update(config.optimizer_options)
    values.update(
        learning_rate=config.learning_rate,
        momentum=config.momentum if config.optimizer in MOMENTUM_OPTIMIZERS else 0.0,
        nesterov=float(config.nesterov and config.optimizer == "sgd"),
        l2=config.l2,
        tol=config.tol,
        weight_reg=config.concrete_length_scale**2 / n_rows,
        dropout_reg=config.concrete_regularization / n_rows,
        power_t=config.power_t,
    )
    return Hyper(**{name: np.float32(values[name]) for name in Hyper._fields})


def _start(key: ProgramKey, spec: NetworkSpec, config, weights, state):
    """The program's first state: fresh, or continuing ``state``'s fit.

    Returns the :class:`~._state.ProgramState` and the first epoch.
    """
    logits = ()
    if key.concrete:  # the dropout logits, trained with the weights
        rates = np.clip(np.asarray(spec.rates, np.float64), 1e-6, 1 - 1e-6)
        logits = np.where(key.concrete, np.log(rates / (1 - rates)), 0.0)
        logits = logits.astype(np.float32)
    params = Params([np.asarray(v, np.float32) for v in weights], logits)
    fresh = init_state(key, params, like=np.zeros_like)
    flat_fresh = tf.nest.flatten(fresh.opt_state)
    slots, step, first_epoch = (
        (flat_fresh, 0, 0)
        if state is None
        else state.continued(config.optimizer, lambda: flat_fresh)
    )
    opt_state = tf.nest.pack_sequence_as(
        fresh.opt_state, [np.asarray(s, np.float32) for s in slots]
    )
    # The loss rule's best and count carry over from the fit continued, as
    # MLPClassifier's do; the validation rule starts afresh on its rows.
    best_loss, count = (
        (state.best_loss, state.no_improvement_count)
        if state is not None and config.stopping == "loss"
        else (np.inf, 0)
    )
    train = fresh._replace(
        opt_state=opt_state,
        step=np.int32(step),
        **first_rate(config, state),
    )
    best = Stopping(np.float32(-best_loss), np.int32(count), params)
    return ProgramState(train, best), first_epoch


class _Records:
    """The curves of a fit's calls, joined."""

    def __init__(self, key: ProgramKey):
        self.key = key
        self.losses, self.eval_losses, self.scores, self.rates = [], [], [], []
        self.learning_rates, self.validation_losses = [], []

    def add(self, curves: Curves, ran: int) -> None:
        self.losses += np.asarray(curves.losses)[:ran].tolist()
        self.eval_losses += np.asarray(curves.eval_losses)[:ran].tolist()
        self.learning_rates += np.asarray(curves.learning_rates)[:ran].tolist()
        if self.key.scored:
            self.scores += np.asarray(curves.scores)[:ran].tolist()
            losses = np.asarray(curves.validation_losses)[:ran]
            self.validation_losses += losses.tolist()
        if self.key.concrete:
            self.rates += [tuple(r) for r in np.asarray(curves.rates, np.float64)[:ran]]


def _train_program(engine, spec, config, weights, x, y, w, validation, state):
    n_val = 0 if validation is None else len(validation[1])
    seeds = config.seeds()
    rows = eval_rows(x.shape[0], int(seeds[0]))
    key = program_key(
        spec, config, engine, x.shape[0], n_val, sp.issparse(x), len(rows)
    )
    program = PROGRAMS.get(key)
    program_state, first_epoch = _start(key, spec, config, weights, state)
    inputs = Inputs(
        data=program_data(key, x, y, w, validation, rows),
        hyper=_hyper(config, x.shape[0]),
        rates=np.asarray(spec.rates, np.float32),
        limits=np.asarray(
            [np.inf if m is None else m for m in spec.limits], np.float32
        ),
        seeds=seeds,
        n_rows=np.int32(x.shape[0]),
    )
    records = _Records(key)
    program_state, done, stopped = _run_calls(
        program, key, config, program_state, inputs, first_epoch, records
    )
    return _result(
        engine, key, spec, config, program_state, first_epoch, done, stopped, records
    )


def _run_calls(program, key, config, state, inputs, first_epoch, records):
    """Call ``program`` for the fit's epochs, about ``CALL_SECONDS`` a call,
    until they are done, the stopping rule ends the fit or it diverges.

    Returns the state, the epochs run and whether the rule stopped the fit.
    """
    patience = np.int32(config.patience)
    progress = _Progress(config.epochs, config.verbose)
    most = MAX_EPOCHS_PER_CALL
    if config.verbose:  # about 50 progress updates
        most = min(most, max(1, math.ceil(config.epochs / 50)))
    batches = math.ceil(int(inputs.n_rows) / key.batch_size)
    # Epochs per call from this program's last measured speed (one epoch
    # when it has none yet: the first call also compiles).
    step_seconds = getattr(program, "step_seconds", None)
    chunk = 1 if step_seconds is None else _epochs_in(step_seconds * batches)
    done, stopped = 0, False
    while done < config.epochs:
        size = min(chunk, most, config.epochs - done)
        began = time.perf_counter()
        start = first_epoch + done
        span = Span(
            np.int32(start),
            np.int32(start + size),
            patience,
            np.int32(first_epoch),
            np.int32(config.epochs),
        )
        state, epoch, finite, curves = program(state, inputs, span)
        ran = int(epoch) - start
        records.add(curves, ran)
        done += ran
        stopped = bool(should_stop(state.best, patience))
        last = stopped or done == config.epochs or not bool(finite)
        progress.update(done, records.losses, records.scores, last=last)
        if not bool(finite):
            raise DivergenceError(first_epoch + done)
        if stopped:
            break
        per_epoch = (time.perf_counter() - began) / ran
        program.step_seconds = per_epoch / batches
        chunk = _epochs_in(per_epoch)
    return state, done, stopped


def _result(engine, key, spec, config, state, first_epoch, done, stopped, records):
    """The :class:`TrainingResult` of a program's fit."""
    final = state.best.params if config.stopping == "validation" else state.train.params
    rates = spec.rates
    if key.concrete:
        learned = 1 / (1 + np.exp(-np.asarray(final.logits, np.float64)))
        rates = tuple(np.where(key.concrete, learned, spec.rates).tolist())
    return TrainingResult(
        weights=[np.asarray(p) for p in final.weights],
        rates=rates,
        rate_curve=records.rates if key.concrete else None,
        loss_curve=records.losses,
        eval_loss_curve=records.eval_losses,
        learning_rate_curve=records.learning_rates,
        validation_scores=records.scores if key.scored else None,
        validation_loss_curve=records.validation_losses if key.scored else None,
        n_iter=done,
        engine=engine,
        state=OptimizerState(
            optimizer=config.optimizer,
            slots=[np.asarray(s) for s in tf.nest.flatten(state.train.opt_state)],
            step=int(state.train.step),
            epoch=first_epoch + done,
            learning_rate=float(state.train.learning_rate),
            rows_seen=float(state.train.rows_seen),
            **_loss_rule_state(config, state.best),
        ),
        stopped_early=stopped,
    )


def _loss_rule_state(config: TrainingConfig, best: Stopping) -> dict:
    """Where the loss rule stands, for a fit that continues this one."""
    if config.stopping != "loss":
        return {}
    return {"best_loss": -float(best.score), "no_improvement_count": int(best.count)}


def _epochs_in(epoch_seconds: float) -> int:
    """How many epochs of ``epoch_seconds`` fit in one call of ``CALL_SECONDS``."""
    return max(1, int(CALL_SECONDS / max(epoch_seconds, 1e-9)))


class _Progress:
    """Keras-style progress: a bar (verbose 1) or a line per update (2)."""

    def __init__(self, epochs: int, verbose: int):
        self.verbose = verbose
        self.bar = (
            keras.utils.Progbar(epochs, unit_name="epoch") if verbose == 1 else None
        )

    def update(self, epoch, losses, scores, last):
        if not self.verbose:
            return
        values = [("loss", losses[-1])] + (
            [("val_score", scores[-1])] if scores else []
        )
        if self.bar is not None:
            self.bar.update(epoch, values=values, finalize=last)
        else:
            text = " - ".join(f"{k}: {v:.4f}" for k, v in values)
            print(f"Epoch {epoch}: {text}", file=sys.stdout, flush=True)
