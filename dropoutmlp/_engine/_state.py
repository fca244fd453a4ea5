"""The training program's typed inputs, state and outputs.

Every value a program takes or returns is a field of one of these
``NamedTuple`` types, so the program's steps read ``state.params.weights``
or ``inputs.hyper.learning_rate``, never a position in a list; its input
signature (:func:`._programs.signature`) and the driver's NumPy values are
built from the same types, so they cannot fall out of step.
"""

from __future__ import annotations

from typing import NamedTuple


class Hyper(NamedTuple):
    """The fit's scalar hyperparameters: program inputs, not program structure.

    ``nesterov`` is 0 or 1; ``l2`` the L2 factor of every kernel;
    ``weight_reg`` and ``dropout_reg`` concrete dropout's regulariser factors
    divided by the training rows.
    """

    learning_rate: object
    momentum: object
    nesterov: object
    beta_1: object
    beta_2: object
    epsilon: object
    rho: object
    l2: object
    tol: object
    weight_reg: object
    dropout_reg: object
    power_t: object


class Params(NamedTuple):
    """What training moves: the weight list (kernel, bias, kernel...) and,
    with concrete dropout, the vector of the Dense layers' dropout logits
    (``()`` without)."""

    weights: list
    logits: object = ()


class OptState(NamedTuple):
    """The weights' optimizer state, and the dropout logits' Adam's (or ``()``)."""

    weights: tuple
    logits: tuple = ()


class TrainState(NamedTuple):
    """Where training stands: parameters, optimizer state, steps taken, the
    learning rate of the next epoch and the rows trained on so far."""

    params: Params
    opt_state: OptState
    step: object
    learning_rate: object = None
    rows_seen: object = None


class Stopping(NamedTuple):
    """Where the stopping rule stands: its best score, its count of epochs
    without an improvement of ``tol``, and (validation rule) the best
    parameters."""

    score: object
    count: object
    params: Params


class ProgramState(NamedTuple):
    """A program's carried state: training's and the stopping rule's."""

    train: TrainState
    best: Stopping


class Inputs(NamedTuple):
    """A fit's constant inputs: rows, hyperparameters, per-layer dropout rates
    and max-norm limits (``inf``: none), the seeds (shuffle, dropout) and the
    number of real rows (the rest is padding)."""

    data: dict
    hyper: Hyper
    rates: object
    limits: object
    seeds: object
    n_rows: object


class Span(NamedTuple):
    """The epochs of one call, ``[start, stop)``, ``n_iter_no_change``, and
    the fit's first epoch and number of epochs (the cosine schedule's)."""

    start: object
    stop: object
    patience: object
    first: object
    epochs: object


class Curves(NamedTuple):
    """Per-epoch records of one call: running loss (dropout on), loss with
    dropout off, validation score and loss, learned dropout rates, learning
    rate."""

    losses: object
    eval_losses: object
    scores: object
    validation_losses: object
    rates: object
    learning_rates: object
