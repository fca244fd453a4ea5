"""What a fit is asked to do and what it gives back: the engine's data types.

:class:`TrainingConfig` is the validated description of one fit's training,
:func:`make_optimizer` the Keras optimizer it names, :class:`OptimizerState`
where an optimizer stands after a fit (to continue it) and
:class:`TrainingResult` what a fit returns besides the weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np

# Optimizers the compiled engine implements, with the options
# (``optimizer__<name>``) each accepts and Keras' defaults for them.
ENGINE_OPTIMIZERS = {
    "sgd": {},
    "adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "rmsprop": {"rho": 0.9, "epsilon": 1e-7},
}
# Optimizers that take the ``momentum`` (and, for SGD, ``nesterov``) knob.
MOMENTUM_OPTIMIZERS = {"sgd": ("momentum", "nesterov"), "rmsprop": ("momentum",)}

OPTIMIZER_NAME = "dropoutmlp_optimizer"

# Learning-rate schedules (``learning_rate_schedule``).
SCHEDULES = ("constant", "invscaling", "adaptive", "cosine")
# The engines a fit can run on (``engine``), and "auto": let the fit choose.
ENGINES = ("xla", "graph", "keras")


@dataclass(frozen=True)
class TrainingConfig:
    """Validated training settings of one fit.

    Attributes
    ----------
    optimizer : str, type or keras.optimizers.Optimizer
        Keras optimizer name (lower case), class or instance.
    learning_rate, momentum : float
        Step size; momentum of ``sgd`` and ``rmsprop`` (ignored by others).
    learning_rate_schedule : {"constant", "invscaling", "adaptive", "cosine"}
        How the step size changes over epochs (:func:`._steps.scheduled_rate`
        and :func:`._steps.adapt`); ``power_t`` is invscaling's exponent.
    nesterov : bool
        Nesterov momentum for ``sgd``.
    optimizer_options : tuple of (str, object)
        Further keyword arguments of the optimizer (``optimizer__*`` params).
    batch_size, epochs : int
        As in ``Model.fit``.
    alpha : float
        ``MLPClassifier``'s L2 penalty: each batch's mean loss gets
        ``alpha / (2 * batch_size)`` (:attr:`l2`) times every kernel's sum of
        squares.
    early_stopping : bool
        Stop when the validation rows' score has not improved by ``tol``
        for ``n_iter_no_change`` epochs, then restore the best weights (the
        fit needs validation rows).  Without
        it, stop when the training loss measured with dropout off (the
        result's ``eval_loss_curve``) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs (``MLPClassifier``'s rule; the last
        weights are kept).
    n_iter_no_change : int or float
        ``inf`` never stops.
    tol : float
    seed : int
        Seed of the per-epoch shuffle and of the dropout masks.
    verbose : int
        0 silent, 1 progress bar, 2 one line per epoch.
    callbacks : tuple of keras.callbacks.Callback
        Keras callbacks; any forces the ``Model.fit`` path.
    engine : {"auto", "xla", "graph", "keras"}
        Which engine trains the fit: the compiled program, the graph
        program, ``Model.fit``, or ``"auto"`` (:func:`._driver.choose_engine`).
    concrete_length_scale, concrete_regularization : float
        The concrete dropout regulariser's prior length-scale ``l`` and
        weight ``lambda``: for each layer with a learned rate ``p``, the loss
        gains ``l**2 * sum(W**2) / ((1 - p) N)`` and ``lambda * K * (p log p +
        (1 - p) log(1 - p)) / N`` (``K`` the layer's input width, ``N`` the
        training rows).
    """

    optimizer: object = "adam"
    learning_rate: float = 0.001
    learning_rate_schedule: str = "constant"
    power_t: float = 0.5
    momentum: float = 0.0
    nesterov: bool = False
    optimizer_options: tuple = ()
    batch_size: int = 32
    epochs: int = 200
    alpha: float = 0.0
    early_stopping: bool = False
    n_iter_no_change: float = 10
    tol: float = 1e-4
    seed: int = 0
    verbose: int = 0
    callbacks: tuple = ()
    engine: str = "auto"
    concrete_length_scale: float = 1e-4
    concrete_regularization: float = 0.5

    @property
    def stopping(self) -> str:
        """Which stopping rule runs: "validation" or "loss"."""
        return "validation" if self.early_stopping else "loss"

    @property
    def l2(self) -> float:
        """The L2 factor of every kernel: Keras' ``L2(l2)`` regularizer."""
        return self.alpha / (2 * self.batch_size)

    @property
    def patience(self) -> int:
        """``n_iter_no_change`` as an int32 (``inf`` never stops)."""
        return int(min(self.n_iter_no_change, np.iinfo(np.int32).max - 1))

    @property
    def programs_train(self) -> bool:
        """Whether the engine's own programs can run this fit (else ``Model.fit``)."""
        return programs_train(self.optimizer, self.optimizer_options, self.callbacks)

    def seeds(self) -> np.ndarray:
        """The shuffle seed and the dropout seed, derived from ``seed``."""
        rng = np.random.RandomState(self.seed)
        return rng.randint(2**31 - 1, size=2).astype(np.uint32)


def programs_train(optimizer, options: tuple, callbacks: tuple) -> bool:
    """Whether the engine's programs can train with these (else ``Model.fit``).

    They implement the optimizers of ``ENGINE_OPTIMIZERS``, by name, with the
    options listed there, and no Keras callbacks.
    """
    known = ENGINE_OPTIMIZERS.get(optimizer) if isinstance(optimizer, str) else None
    return (
        not callbacks
        and known is not None
        and all(name in known for name, _ in options)
    )


def check_engine(engine: str, learned, optimizer, options: tuple, callbacks: tuple):
    """Refuse an ``engine`` setting that cannot train this fit, before any work.

    The programs (``"xla"``, ``"graph"``) train the optimizers of
    ``ENGINE_OPTIMIZERS`` with their options and no Keras callbacks; only they
    learn dropout rates (``learned``: concrete dropout), which ``"auto"``
    then needs too.

    Raises
    ------
    ValueError
        Naming the setting and what keeps the fit off it.
    """
    on_programs = programs_train(optimizer, options, callbacks)
    with_callbacks = f" and {len(callbacks)} callback(s)" if callbacks else ""
    fit = f"optimizer={optimizer!r}{with_callbacks}"
    if engine in ("xla", "graph") and not on_programs:
        raise ValueError(
            f"engine={engine!r} trains the optimizers {sorted(ENGINE_OPTIMIZERS)} "
            f"(with their own options) without Keras callbacks; this fit has "
            f"{fit}. Use engine='keras' or 'auto', or one of those optimizers."
        )
    if any(learned) and (engine == "keras" or not on_programs):
        raise ValueError(
            "dropout='concrete' / input_dropout='concrete' learn the rates in the "
            "engine's own programs (engine 'xla' or 'graph'), which train the "
            f"optimizers {sorted(ENGINE_OPTIMIZERS)} (with their own options) "
            f"without Keras callbacks; this fit has engine={engine!r} and "
            f"{fit}. Use one of those optimizers without callbacks on those "
            "engines, or fixed rates."
        )


class DivergenceError(ValueError):
    """The training loss (with dropout or without) or the weights stopped being
    finite: the fit diverged."""

    def __init__(self, epoch: int):
        super().__init__(
            f"The fit diverged: the training loss, the network's outputs or the "
            f"weights stopped being finite at epoch {epoch}. The learning_rate "
            "is likely too high for this data, or the features are not "
            "standardised (put a StandardScaler before the network); training "
            "was stopped."
        )


@dataclass
class OptimizerState:
    """Where an optimizer stands after a fit, to continue it (numpy only).

    Attributes
    ----------
    optimizer : str
        Which optimizer the slots belong to: an engine optimizer name
        (``"sgd"``, ``"adam"``, ``"rmsprop"``) or ``"keras:<class name>"``.
    slots : list of ndarray
        The optimizer's per-weight slots, in the engine's order.
    step : int
        Optimizer steps taken.
    epoch : int
        Epochs taken: the next fit's shuffles and dropout masks continue from
        here.
    dropout_streams : list of ndarray
        On the ``Model.fit`` path, the states of the ``Dropout`` layers'
        seed generators, so that their masks continue too.
    best_loss, no_improvement_count : float, int
        Where the loss stopping rule stands (its best loss and its count of
        epochs without an improvement of ``tol``): a fit that continues this
        one carries them on, as ``MLPClassifier`` does over warm starts.
    learning_rate : float or None
        The learning rate of the next epoch (None: not recorded).  A fit
        that continues this one with the "adaptive" schedule starts from it.
    rows_seen : float
        Rows trained on so far, over every epoch (MLPClassifier's ``t_``):
        the "invscaling" schedule goes on from it.
    """

    optimizer: str
    slots: list
    step: int
    epoch: int
    dropout_streams: list = field(default_factory=list)
    best_loss: float = float("inf")
    no_improvement_count: int = 0
    learning_rate: float | None = None
    rows_seen: float = 0.0

    def continued(self, kind: str, fresh_slots) -> tuple[list, int, int]:
        """(slots, step, epoch) to start from for optimizer ``kind``.

        The slots of another optimizer (or of other parameters: concrete
        dropout turned on or off) do not apply: the optimizer then starts
        afresh, the epoch count still continues.
        """
        fresh = fresh_slots()
        if self.optimizer != kind or len(fresh) != len(self.slots):
            return fresh, 0, self.epoch
        return list(self.slots), self.step, self.epoch


@dataclass
class TrainingResult:
    """What a fit produced.

    ``engine`` says which program ran it: ``"xla"`` (one XLA-compiled
    program), ``"graph"`` (a TensorFlow graph, not compiled) or ``"keras"``
    (``Model.fit``).  ``weights`` is the trained weight list, ``rates`` the
    dropout rate of each ``Dense`` layer's input (learned ones where they
    ended) and ``rate_curve``, with concrete dropout, those rates after
    every epoch (None without).  ``loss_curve`` is the training loss of
    every epoch as Keras reports it (dropout on, averaged over the epoch's
    mini-batches), ``eval_loss_curve`` the training rows' loss at every
    epoch's end with dropout off (the loss rule's signal), and
    ``learning_rate_curve`` the learning rate of every epoch;
    ``validation_scores`` and ``validation_loss_curve`` the validation rows'
    score and loss at every epoch's end (None without validation rows).
    """

    weights: list[np.ndarray]
    rates: tuple[float, ...]
    rate_curve: list[tuple[float, ...]] | None
    loss_curve: list[float]
    eval_loss_curve: list[float]
    learning_rate_curve: list[float]
    validation_scores: list[float] | None
    validation_loss_curve: list[float] | None
    n_iter: int
    engine: str
    state: OptimizerState
    stopped_early: bool


def make_optimizer(config: TrainingConfig) -> keras.optimizers.Optimizer:
    """The Keras optimizer that ``config`` describes (a new instance).

    An optimizer instance passed by the user is copied, never modified.  Ours
    get a fixed name: TensorFlow keeps some memory for every variable name it
    has seen, and Keras' default names (``SGD_1``, ``SGD_2``...) are new at
    every fit.
    """
    opt = config.optimizer
    if isinstance(opt, keras.optimizers.Optimizer):
        return opt.__class__.from_config(opt.get_config())
    options = {"name": OPTIMIZER_NAME, **dict(config.optimizer_options)}
    options["learning_rate"] = config.learning_rate
    if isinstance(opt, str):
        for knob in MOMENTUM_OPTIMIZERS.get(opt, ()):
            options.setdefault(knob, getattr(config, knob))
        return keras.optimizers.get({"class_name": opt, "config": options})
    return opt(**options)
