"""The training engine: whole fits inside one compiled TensorFlow graph.

Keras' ``Model.fit`` pays a few milliseconds of Python and dispatch overhead
for every mini-batch, which dominates the cost of the small networks that
dropout is usually tried on.  This engine instead runs every epoch of a fit
inside a single :func:`tf.function` (a ``tf.while_loop`` over epochs and
mini-batches), with the same semantics as ``Model.fit``:

* a fresh shuffle every epoch, drawn from the seed;
* mini-batches of ``batch_size`` rows, the last one partial;
* the loss of a batch is the mean of the sample-weighted per-row losses plus
  the kernels' ``L2`` penalty, and the loss of an epoch the row-weighted mean
  of its batch losses (as in ``history.history["loss"]``);
* the optimizer update of Keras' ``SGD``, ``Adam`` or ``RMSprop``, then every
  ``MaxNorm`` constraint, after every step;
* dropout active only while training.

The traced graph does not capture the weights or any hyperparameter: weights,
optimizer slots, dropout rates, learning rate, momentum, max-norm limits and
the batch size go in as tensors.  One graph therefore serves every estimator
with the same architecture (all the clones that ``cross_val_score`` and
``GridSearchCV`` make), and a bounded cache keeps the most recent ones.

Anything the graph cannot express (Keras callbacks, an optimizer other than
``sgd``, ``adam`` and ``rmsprop``, or optimizer options those do not have)
falls back to ``Model.fit``, with the same data order, seeds and early
stopping rule.
"""

from __future__ import annotations

import math
import sys
from collections import OrderedDict
from dataclasses import dataclass

import keras
import numpy as np
import scipy.sparse as sp
import tensorflow as tf

from ._network import OUTPUT_KINDS, NetworkSpec

# Optimizers the graph implements, with the options (``optimizer__<name>``)
# each accepts and Keras' defaults for them.
GRAPH_OPTIMIZERS = {
    "sgd": {},
    "adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "rmsprop": {"rho": 0.9, "epsilon": 1e-7},
}
# How many slot tensors per weight each optimizer keeps.
_N_SLOTS = {"sgd": 1, "adam": 2, "rmsprop": 2}
# Optimizers that take the ``momentum`` (and, for SGD, ``nesterov``) knob.
MOMENTUM_OPTIMIZERS = {"sgd": ("momentum", "nesterov"), "rmsprop": ("momentum",)}

GRAPH_CACHE_SIZE = 16
OPTIMIZER_NAME = "dropoutmlp_optimizer"


@dataclass(frozen=True)
class TrainingConfig:
    """Validated training settings of one fit.

    Attributes
    ----------
    optimizer : str, type or keras.optimizers.Optimizer
        Keras optimizer name (lower case), class or instance.
    learning_rate, momentum : float
        Step size; momentum of ``sgd`` and ``rmsprop`` (ignored by others).
    nesterov : bool
        Nesterov momentum for ``sgd``.
    optimizer_options : tuple of (str, object)
        Further keyword arguments of the optimizer (``optimizer__*`` params).
    batch_size, epochs : int
        As in ``Model.fit``.
    early_stopping : bool
        Stop when the validation score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, then restore the best weights.
    loss_stopping : bool
        Without ``early_stopping``: stop when the training loss has not
        improved by ``tol`` for ``n_iter_no_change`` epochs (``MLPClassifier``'s
        rule; the last weights are kept).
    n_iter_no_change : int or float
        ``inf`` never stops.
    tol : float
    seed : int
        Seed of the per-epoch shuffle and of the dropout masks.
    verbose : int
        0 silent, 1 progress bar, 2 one line per epoch.
    callbacks : tuple of keras.callbacks.Callback
        Keras callbacks; any forces the ``Model.fit`` path.
    """

    optimizer: object = "adam"
    learning_rate: float = 0.001
    momentum: float = 0.0
    nesterov: bool = False
    optimizer_options: tuple = ()
    batch_size: int = 32
    epochs: int = 200
    early_stopping: bool = False
    loss_stopping: bool = False
    n_iter_no_change: float = 10
    tol: float = 1e-4
    seed: int = 0
    verbose: int = 0
    callbacks: tuple = ()

    @property
    def stopping(self) -> str:
        """Which stopping rule runs: "validation", "loss" or ""."""
        if self.early_stopping:
            return "validation"
        return "loss" if self.loss_stopping else ""

    @property
    def patience(self) -> int:
        """``n_iter_no_change`` as the graph's int32 (``inf`` never stops)."""
        return int(min(self.n_iter_no_change, np.iinfo(np.int32).max - 1))

    @property
    def uses_graph(self) -> bool:
        """Whether the compiled engine can run this fit (else ``Model.fit``)."""
        known = (
            GRAPH_OPTIMIZERS.get(self.optimizer)
            if isinstance(self.optimizer, str)
            else None
        )
        return (
            not self.callbacks
            and known is not None
            and all(name in known for name, _ in self.optimizer_options)
        )


class DivergenceError(ValueError):
    """The training loss or the weights stopped being finite: the fit diverged."""


def _divergence_message(epoch: int) -> str:
    return (
        f"The fit diverged: the training loss or the weights stopped being "
        f"finite at epoch {epoch}. The learning_rate is likely too high for "
        "this data, or the features are not standardised (put a StandardScaler "
        "before the network); training was stopped."
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
    """

    optimizer: str
    slots: list
    step: int
    epoch: int


@dataclass
class TrainingResult:
    """What a fit produced, beyond the weights written into the model."""

    loss_curve: list[float]
    validation_scores: list[float] | None
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


# --------------------------------------------------------------------------
# The graph


@dataclass(frozen=True)
class _GraphKey:
    """Everything that changes the traced graph (and nothing that does not)."""

    n_features: int
    layer_sizes: tuple[int, ...]
    activation: str
    output_kind: str
    optimizer: str
    nesterov: bool
    l2: bool
    dropout: tuple[bool, ...]
    constrained: tuple[bool, ...]
    stopping: str  # "validation", "loss" or ""
    sparse: bool = False


_HP_NAMES = (
    "learning_rate",
    "momentum",
    "beta_1",
    "beta_2",
    "epsilon",
    "rho",
    "l2",
    "tol",
)


def _logits(key: _GraphKey, params, x, rates=None, seed=None):
    """The output layer's pre-activation; dropout applied when ``rates`` is given.

    ``params`` alternates kernels and biases.  With dropout, ``rates[0]`` is
    the input rate and ``rates[i]`` the rate after hidden layer ``i`` (only the
    layers flagged in ``key.dropout`` get a mask); the masks come from the
    stateless generator at ``seed`` (a ``[2]`` int tensor), one stream per layer.
    """
    hidden_act = keras.activations.get(key.activation)
    n_dense = len(params) // 2
    h = x
    for i in range(n_dense):
        if rates is not None and key.dropout[i]:
            h = _dropout(h, rates[i], seed + tf.constant([0, 1], tf.int32) * i)
        z = tf.nn.bias_add(tf.matmul(h, params[2 * i]), params[2 * i + 1])
        h = z if i == n_dense - 1 else hidden_act(z)
    return h


def _forward(key: _GraphKey, params, x, rates=None, seed=None):
    """The network's output (see :func:`_logits`)."""
    out_act = keras.activations.get(OUTPUT_KINDS[key.output_kind][0])
    return out_act(_logits(key, params, x, rates, seed))


def _row_losses(kind: str, y, logits):
    """Per-row loss from logits: what Keras' compiled loss computes in a graph.

    Keras' cross-entropies, given a sigmoid or softmax output inside a graph,
    read its logits and use these same TensorFlow ops.
    """
    if kind == "multiclass":
        return tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)
    if kind == "regression":
        return tf.reduce_mean(tf.square(y - logits), axis=-1)
    per_unit = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits)
    return tf.reduce_mean(per_unit, axis=-1)


def _dropout(h, rate, seed):
    """Inverted dropout: zero with probability ``rate``, scale the rest."""
    keep = tf.random.stateless_uniform(tf.shape(h), seed=seed) >= rate
    return h * (tf.cast(keep, h.dtype) / (1.0 - rate))


def _score(kind: str, y_true, y_pred):
    """Validation score as scikit-learn's ``score`` computes it (unweighted)."""
    if kind == "binary":
        hit = tf.cast(y_pred[:, 0] > 0.5, y_true.dtype) == y_true[:, 0]
    elif kind == "multiclass":
        hit = tf.argmax(y_pred, axis=1) == tf.argmax(y_true, axis=1)
    elif kind == "multilabel":
        hit = tf.reduce_all(tf.cast(y_pred > 0.5, y_true.dtype) == y_true, axis=1)
    else:  # R^2, averaged uniformly over outputs
        ss_res = tf.reduce_sum(tf.square(y_true - y_pred), axis=0)
        centred = y_true - tf.reduce_mean(y_true, axis=0)
        ss_tot = tf.reduce_sum(tf.square(centred), axis=0)
        r2 = tf.where(ss_tot > 0, 1.0 - ss_res / tf.maximum(ss_tot, 1e-30), 0.0)
        return tf.reduce_mean(r2)
    return tf.reduce_mean(tf.cast(hit, tf.float32))


def _optimizer_step(kind, hp, step, params, slots, grads):
    """One Keras-identical optimizer update; returns new params and slots."""
    lr = hp["learning_rate"]
    new_p, new_s = [], []
    n = len(params)
    if kind in ("sgd", "sgd-nesterov"):
        mom = hp["momentum"]
        for p, m, g in zip(params, slots[:n], grads, strict=True):
            m = m * mom - g * lr
            new_p.append(p + (m * mom - g * lr if kind == "sgd-nesterov" else m))
            new_s.append(m)
        return new_p, new_s
    if kind == "adam":
        b1, b2, eps = hp["beta_1"], hp["beta_2"], hp["epsilon"]
        t = tf.cast(step + 1, tf.float32)
        alpha = lr * tf.sqrt(1 - tf.pow(b2, t)) / (1 - tf.pow(b1, t))
        ms, vs = [], []
        for p, m, v, g in zip(params, slots[:n], slots[n:], grads, strict=True):
            m = m + (g - m) * (1 - b1)
            v = v + (tf.square(g) - v) * (1 - b2)
            new_p.append(p - (m * alpha) / (tf.sqrt(v) + eps))
            ms.append(m)
            vs.append(v)
        return new_p, ms + vs
    # rmsprop
    rho, eps, mom = hp["rho"], hp["epsilon"], hp["momentum"]
    vs, ms = [], []
    for p, v, m, g in zip(params, slots[:n], slots[n:], grads, strict=True):
        v = rho * v + (1 - rho) * tf.square(g)
        inc = (lr * g) / tf.sqrt(v + eps)
        m = mom * m + inc
        new_p.append(p - m)
        vs.append(v)
        ms.append(m)
    return new_p, vs + ms


def _epoch_order(n, seed, epoch):
    """The row order of one epoch: a stateless shuffle of ``range(n)``."""
    return tf.random.experimental.stateless_shuffle(
        tf.range(n), seed=tf.stack([seed, epoch])
    )


def _seeds(seed: int) -> np.ndarray:
    """Shuffle and dropout seeds derived from a fit's seed."""
    return np.random.RandomState(seed).randint(2**31 - 1, size=2).astype(np.int32)


def _max_norm(w, limit):
    """Keras' ``MaxNorm(limit, axis=0)``."""
    norms = tf.sqrt(tf.reduce_sum(tf.square(w), axis=0, keepdims=True))
    desired = tf.clip_by_value(norms, 0.0, limit)
    return w * (desired / (keras.config.epsilon() + norms))


def _sparse_rows(data, idx, n_features):
    """Rows ``idx`` of the CSR matrix in ``data``, as a dense float32 batch."""
    values = tf.RaggedTensor.from_row_splits(data["x_values"], data["x_indptr"])
    columns = tf.RaggedTensor.from_row_splits(data["x_indices"], data["x_indptr"])
    values, columns = tf.gather(values, idx), tf.gather(columns, idx)
    where = tf.stack(
        [tf.cast(values.value_rowids(), tf.int64), columns.flat_values], axis=1
    )
    shape = tf.stack(
        [tf.cast(tf.shape(idx)[0], tf.int64), tf.constant(n_features, tf.int64)]
    )
    return tf.scatter_nd(where, values.flat_values, shape)


def _all_finite(loss, params):
    checks = [tf.reduce_all(tf.math.is_finite(p)) for p in params]
    return tf.reduce_all(tf.stack([tf.math.is_finite(loss), *checks]))


def _make_train_fn(key: _GraphKey):
    """Trace-once function running epochs ``[start, stop)`` of a fit."""
    n_dense = len(key.layer_sizes) - 1

    def run(state, data, hp, rates, limits, bs, seed, start, stop, patience):
        params, slots, step = state["params"], state["slots"], state["step"]
        y, w = data["y"], data["w"]
        n = tf.shape(y)[0]
        n_batches = (n + bs - 1) // bs
        nf = tf.cast(n, tf.float32)
        kernels_l2 = hp["l2"]

        def rows(idx):
            if key.sparse:
                return _sparse_rows(data, idx, key.n_features)
            return tf.gather(data["x"], idx)

        def batch_loss(p, xb, yb, wb, dseed):
            per_row = _row_losses(
                key.output_kind, yb, _logits(key, p, xb, rates, dseed)
            )
            nb = tf.cast(tf.shape(xb)[0], tf.float32)
            loss = tf.reduce_sum(per_row * wb) / nb
            if not key.l2:
                return loss
            penalty = tf.add_n(
                [tf.reduce_sum(tf.square(p[2 * i])) for i in range(n_dense)]
            )
            return loss + kernels_l2 * penalty

        def train_step(params, slots, step, xb, yb, wb, dseed, hp, rates, limits):
            with tf.GradientTape() as tape:
                tape.watch(params)
                loss = batch_loss(params, xb, yb, wb, dseed)
            grads = tape.gradient(loss, params)
            kind = "sgd-nesterov" if key.nesterov else key.optimizer
            params, slots = _optimizer_step(kind, hp, step, params, slots, grads)
            params = list(params)
            for i, constrained in enumerate(key.constrained):
                if constrained:
                    params[2 * i] = _max_norm(params[2 * i], limits[i])
            return params, slots, loss

        def epoch_body(epoch, params, slots, step, best, finite, losses, scores):
            perm = _epoch_order(n, seed[0], epoch)

            def batch_body(b, params, slots, step, total):
                idx = perm[b * bs : tf.minimum((b + 1) * bs, n)]
                xb, yb, wb = rows(idx), tf.gather(y, idx), tf.gather(w, idx)
                dseed = tf.stack([seed[1], step * (n_dense + 1)])
                params, slots, loss = train_step(
                    params, slots, step, xb, yb, wb, dseed, hp, rates, limits
                )
                total += loss * tf.cast(tf.shape(xb)[0], tf.float32)
                return b + 1, params, slots, step + 1, total

            _, params, slots, step, total = tf.while_loop(
                lambda b, *_: b < n_batches,
                batch_body,
                (tf.constant(0), list(params), list(slots), step, tf.constant(0.0)),
            )
            loss = total / nf
            losses = losses.write(epoch - start, loss)
            finite = _all_finite(loss, params)
            if key.stopping:
                if key.stopping == "validation":
                    score = _score(
                        key.output_kind,
                        data["y_val"],
                        _forward(key, params, data["x_val"]),
                    )
                    scores = scores.write(epoch - start, score)
                else:  # the training loss, as a score to maximise
                    score = -loss
                improved_tol = score >= best["score"] + hp["tol"]
                count = tf.where(improved_tol, 0, best["count"] + 1)
                better = score > best["score"]
                best = {
                    "score": tf.where(better, score, best["score"]),
                    "count": count,
                    "params": [
                        tf.where(better, p, bp)
                        for p, bp in zip(params, best["params"], strict=True)
                    ]
                    if key.stopping == "validation"
                    else best["params"],
                }
            return epoch + 1, params, slots, step, best, finite, losses, scores

        def keep_going(epoch, params, slots, step, best, finite, losses, scores):
            return tf.logical_and(
                tf.logical_and(epoch < stop, best["count"] <= patience), finite
            )

        size = stop - start
        out = tf.while_loop(
            keep_going,
            epoch_body,
            (
                start,
                list(params),
                list(slots),
                step,
                state["best"],
                tf.constant(True),
                tf.TensorArray(tf.float32, size=size, element_shape=()),
                tf.TensorArray(tf.float32, size=size, element_shape=()),
            ),
        )
        epoch, params, slots, step, best, finite, losses, scores = out
        done = epoch - start
        new_state = {"params": params, "slots": slots, "step": step, "best": best}
        with_scores = key.stopping == "validation"
        return (
            new_state,
            epoch,
            finite,
            losses.gather(tf.range(done)),
            scores.gather(tf.range(done if with_scores else 0)),
        )

    return tf.function(run, input_signature=_signature(key), autograph=False)


def _param_shapes(layer_sizes):
    shapes = []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        shapes += [(fan_in, fan_out), (fan_out,)]
    return shapes


def _signature(key: _GraphKey):
    """``input_signature`` of the training function: only the architecture is fixed."""
    f32, i32 = tf.float32, tf.int32
    n_dense = len(key.layer_sizes) - 1
    p_specs = [tf.TensorSpec(s, f32) for s in _param_shapes(key.layer_sizes)]
    n_out = key.layer_sizes[-1]
    state = {
        "params": p_specs,
        "slots": p_specs * _N_SLOTS[key.optimizer],
        "step": tf.TensorSpec((), i32),
        "best": {
            "score": tf.TensorSpec((), f32),
            "count": tf.TensorSpec((), i32),
            "params": p_specs,
        },
    }
    if key.sparse:  # a CSR matrix: values, column indices, row pointers
        data = {
            "x_values": tf.TensorSpec((None,), f32),
            "x_indices": tf.TensorSpec((None,), tf.int64),
            "x_indptr": tf.TensorSpec((None,), tf.int64),
        }
    else:
        data = {"x": tf.TensorSpec((None, key.n_features), f32)}
    data |= {
        "y": tf.TensorSpec((None, n_out), f32),
        "w": tf.TensorSpec((None,), f32),
        "x_val": tf.TensorSpec((None, key.n_features), f32),
        "y_val": tf.TensorSpec((None, n_out), f32),
    }
    hp = {name: tf.TensorSpec((), f32) for name in _HP_NAMES}
    scalar = tf.TensorSpec((), i32)
    return [
        state,
        data,
        hp,
        tf.TensorSpec((n_dense,), f32),  # dropout rates, input first
        tf.TensorSpec((n_dense,), f32),  # max-norm limits of the hidden layers
        scalar,  # batch size
        tf.TensorSpec((2,), i32),  # seeds: shuffle, dropout
        scalar,  # first epoch
        scalar,  # stop before this epoch
        scalar,  # n_iter_no_change
    ]


def _make_mc_fn(key: _GraphKey):
    """Trace-once function: mean and std of ``n`` dropout-on forward passes."""

    n_dense = len(key.layer_sizes) - 1

    def run(params, x, rates, seed, n):
        def body(i, mean, m2):  # Welford's running mean and sum of squares
            out = _forward(key, params, x, rates, tf.stack([seed, i * n_dense]))
            delta = out - mean
            mean = mean + delta / tf.cast(i + 1, tf.float32)
            return i + 1, mean, m2 + delta * (out - mean)

        zeros = tf.zeros((tf.shape(x)[0], key.layer_sizes[-1]))
        _, mean, m2 = tf.while_loop(
            lambda i, *_: i < n, body, (tf.constant(0), zeros, zeros)
        )
        return mean, tf.sqrt(m2 / tf.cast(n, tf.float32))

    f32, i32 = tf.float32, tf.int32
    signature = [
        [tf.TensorSpec(s, f32) for s in _param_shapes(key.layer_sizes)],
        tf.TensorSpec((None, key.n_features), f32),
        tf.TensorSpec((n_dense,), f32),
        tf.TensorSpec((), i32),
        tf.TensorSpec((), i32),
    ]
    return tf.function(run, input_signature=signature, autograph=False)


class _GraphCache:
    """A bounded least-recently-used cache of traced functions."""

    def __init__(self, factory, maxsize: int = GRAPH_CACHE_SIZE):
        self.factory = factory
        self.maxsize = maxsize
        self._fns: OrderedDict[_GraphKey, object] = OrderedDict()

    def get(self, key: _GraphKey):
        fn = self._fns.pop(key, None)
        if fn is None:
            fn = self.factory(key)
            # Each function traces once (its input_signature fixes the
            # shapes), but TensorFlow counts traces per code object across all
            # the cache's functions and would warn of "excessive retracing"
            # after a few architectures.  Silence that for these functions only.
            fn._omit_frequent_tracing_warning = True
        self._fns[key] = fn
        while len(self._fns) > self.maxsize:
            self._fns.popitem(last=False)
        return fn

    def traces(self) -> int:
        """Concrete graphs traced by the cached functions (for benchmarks)."""
        return sum(fn.experimental_get_tracing_count() for fn in self._fns.values())

    def clear(self) -> None:
        self._fns.clear()


GRAPH_CACHE = _GraphCache(_make_train_fn)
MC_CACHE = _GraphCache(_make_mc_fn)


# --------------------------------------------------------------------------
# Driving a fit


def train(
    model: keras.Model,
    spec: NetworkSpec,
    config: TrainingConfig,
    x: np.ndarray | sp.csr_matrix,
    y: np.ndarray,
    sample_weight: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    state: OptimizerState | None = None,
) -> TrainingResult:
    """Train ``model`` (built by :func:`build_mlp` from ``spec``) in place.

    Parameters
    ----------
    model : keras.Model
        The network; its weights are the starting point and receive the result.
    spec : NetworkSpec
        The description ``model`` was built from.
    config : TrainingConfig
        Optimizer, epochs (of this call), batches, stopping rule, seed,
        verbosity.
    x : ndarray or scipy.sparse.csr_matrix of float32
        Training rows; a sparse matrix is made dense one mini-batch at a time.
    y : ndarray of float32
        Encoded targets (2-D, one column per output unit).
    sample_weight : ndarray of float32 of shape (n_samples,)
        Per-row weights (class weights already folded in).
    validation : (x_val, y_val), optional
        Held-out rows scored after every epoch when ``config.early_stopping``
        (``x_val`` dense or CSR).
    state : OptimizerState, optional
        Where a previous fit of this network left its optimizer: training
        continues from it (slots, step count, and the epoch count that seeds
        the shuffles and dropout masks).  A state of another optimizer is not
        applicable: the optimizer then starts afresh, the epoch count still
        continues.

    Returns
    -------
    TrainingResult

    Raises
    ------
    DivergenceError
        The training loss or the weights stopped being finite; training stops
        at the end of that epoch.
    """
    if validation is not None and sp.issparse(validation[0]):
        validation = (validation[0].toarray(), validation[1])
    run = _train_graph if config.uses_graph else _train_keras
    return run(model, spec, config, x, y, sample_weight, validation, state)


def _dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def _graph_key(spec: NetworkSpec, config: TrainingConfig, sparse: bool) -> _GraphKey:
    return _GraphKey(
        n_features=spec.n_features,
        layer_sizes=spec.layer_sizes,
        activation=spec.activation,
        output_kind=spec.output_kind,
        optimizer=config.optimizer,
        nesterov=config.nesterov and config.optimizer == "sgd",
        l2=spec.l2 > 0,
        dropout=_dropout_flags(spec),
        constrained=tuple(limit is not None for limit in spec.max_norm),
        stopping=config.stopping,
        sparse=sparse,
    )


def _dropout_flags(spec: NetworkSpec) -> tuple[bool, ...]:
    return tuple(rate > 0 for rate in (spec.input_dropout, *spec.dropout))


def _hyperparameters(spec: NetworkSpec, config: TrainingConfig) -> dict:
    values = dict(GRAPH_OPTIMIZERS["adam"], **GRAPH_OPTIMIZERS["rmsprop"])
    values.update(config.optimizer_options)
    values.update(
        learning_rate=config.learning_rate,
        momentum=config.momentum if config.optimizer in MOMENTUM_OPTIMIZERS else 0.0,
        l2=spec.l2,
        tol=config.tol,
    )
    return {name: tf.constant(values[name], tf.float32) for name in _HP_NAMES}


def _chunks(epochs: int, verbose: int) -> list[tuple[int, int]]:
    """Epoch ranges per graph call: one call, or ~50 when showing progress."""
    step = epochs if not verbose else max(1, math.ceil(epochs / 50))
    return [(s, min(s + step, epochs)) for s in range(0, epochs, step)]


def _x_data(x) -> dict:
    """The training rows as the graph takes them: dense, or CSR's three arrays."""
    if sp.issparse(x):
        x = sp.csr_matrix(x)
        return {
            "x_values": tf.constant(x.data, tf.float32),
            "x_indices": tf.constant(x.indices, tf.int64),
            "x_indptr": tf.constant(x.indptr, tf.int64),
        }
    return {"x": tf.constant(x, tf.float32)}


def _start(state: OptimizerState | None, kind: str, fresh_slots):
    """Initial slots, step and epoch: continued from ``state`` where it applies."""
    if state is None:
        return fresh_slots(), 0, 0
    if state.optimizer != kind:
        return fresh_slots(), 0, state.epoch
    return list(state.slots), state.step, state.epoch


def _train_graph(model, spec, config, x, y, w, validation, state) -> TrainingResult:
    key = _graph_key(spec, config, sp.issparse(x))
    fn = GRAPH_CACHE.get(key)
    dense = _dense_layers(model)
    params = [tf.convert_to_tensor(v) for d in dense for v in (d.kernel, d.bias)]
    f32 = np.float32
    n_features, n_out = spec.n_features, spec.n_outputs
    x_val, y_val = (
        validation
        if validation is not None
        else (
            np.zeros((0, n_features), f32),
            np.zeros((0, n_out), f32),
        )
    )
    data = {
        **_x_data(x),
        "y": tf.constant(y, tf.float32),
        "w": tf.constant(w, tf.float32),
        "x_val": tf.constant(x_val, tf.float32),
        "y_val": tf.constant(y_val, tf.float32),
    }
    slots, step, first_epoch = _start(
        state,
        config.optimizer,
        lambda: [np.zeros(p.shape, f32) for p in params] * _N_SLOTS[config.optimizer],
    )
    graph_state = {
        "params": params,
        "slots": [tf.constant(s, tf.float32) for s in slots],
        "step": tf.constant(step),
        "best": {
            "score": tf.constant(-np.inf, tf.float32),
            "count": tf.constant(0),
            "params": params,
        },
    }
    rates = tf.constant((spec.input_dropout, *spec.dropout), tf.float32)
    limits = tf.constant(
        [np.inf if m is None else m for m in spec.max_norm] + [np.inf], tf.float32
    )
    seeds = tf.constant(_seeds(config.seed))
    hp = _hyperparameters(spec, config)
    progress = _Progress(config.epochs, config.verbose)
    losses, scores, done, finite = [], [], 0, True
    for start, stop in _chunks(config.epochs, config.verbose):
        graph_state, epoch_t, finite_t, chunk_losses, chunk_scores = fn(
            graph_state,
            data,
            hp,
            rates,
            limits,
            tf.constant(config.batch_size),
            seeds,
            tf.constant(first_epoch + start),
            tf.constant(first_epoch + stop),
            tf.constant(config.patience),
        )
        done = int(epoch_t) - first_epoch
        finite = bool(finite_t)
        losses += chunk_losses.numpy().tolist()
        scores += chunk_scores.numpy().tolist()
        stopped = done < stop  # a stopping rule (or divergence) ended the fit
        progress.update(done, losses, scores, last=stopped or stop == config.epochs)
        if stopped:
            break
    if not finite:
        raise DivergenceError(_divergence_message(first_epoch + done))
    final = (
        graph_state["best"]["params"]
        if config.stopping == "validation"
        else graph_state["params"]
    )
    for d, kernel, bias in zip(dense, final[::2], final[1::2], strict=True):
        d.kernel.assign(kernel)
        d.bias.assign(bias)
    # Leave the model as Model.fit would: compiled, its optimizer built (so a
    # pickled copy restores the same optimizer variables), ready to use.
    model.compile(optimizer=make_optimizer(config), loss=spec.loss)
    model.optimizer.build(model.trainable_variables)
    return TrainingResult(
        loss_curve=losses,
        validation_scores=scores if config.early_stopping else None,
        n_iter=done,
        engine="graph",
        state=OptimizerState(
            optimizer=config.optimizer,
            slots=[s.numpy() for s in graph_state["slots"]],
            step=int(graph_state["step"]),
            epoch=first_epoch + done,
        ),
        stopped_early=done < config.epochs,
    )


class _Progress:
    """Keras-style progress for graph fits: a bar (1) or a line per update (2)."""

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


class _SeededBatches(keras.utils.PyDataset):
    """Mini-batches in a fresh seeded order every epoch (``Model.fit`` path).

    Epoch ``k`` of the fit uses the order of engine epoch ``first_epoch + k``;
    a sparse ``x`` is made dense one batch at a time.
    """

    def __init__(self, x, y, w, batch_size, seed, first_epoch=0):
        super().__init__()
        self.x, self.y, self.w = x, y, w
        self.batch_size = batch_size
        self._seed = int(_seeds(seed)[0])
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
        self._order = _epoch_order(len(self.y), self._seed, self._epoch).numpy()


class _Watch(keras.callbacks.Callback):
    """The engine's end-of-epoch rules for ``Model.fit``.

    Stops on a non-finite loss or weight, and applies the stopping rule of
    the config: scikit-learn's (``MLPClassifier``'s) rule on the validation
    score, restoring the best weights, or on the training loss.
    """

    def __init__(self, kind, config: TrainingConfig, validation):
        super().__init__()
        self.kind, self.config, self.validation = kind, config, validation
        self.losses: list[float] = []
        self.scores: list[float] = []
        self.best_score, self.count, self.best_weights = -np.inf, 0, None
        self.diverged = False
        self.stopped = False

    def on_epoch_end(self, epoch, logs=None):
        loss = float((logs or {}).get("loss", np.nan))
        self.losses.append(loss)
        weights = self.model.get_weights()
        if not (np.isfinite(loss) and all(np.isfinite(v).all() for v in weights)):
            self.diverged = self.model.stop_training = True
            return
        rule = self.config.stopping
        if not rule:
            return
        if rule == "validation":
            x_val, y_val = self.validation
            y_pred = self.model(x_val, training=False)
            score = float(_score(self.kind, tf.constant(y_val), y_pred))
            self.scores.append(score)
        else:
            score = -loss
        tol = self.config.tol
        self.count = 0 if score >= self.best_score + tol else self.count + 1
        if score > self.best_score:
            self.best_score = score
            if rule == "validation":
                self.best_weights = weights
        if self.count > self.config.n_iter_no_change:
            self.stopped = self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None and not self.diverged:
            self.model.set_weights(self.best_weights)


def _keras_kind(optimizer: keras.optimizers.Optimizer) -> str:
    return f"keras:{type(optimizer).__name__}"


def _keras_slots(optimizer: keras.optimizers.Optimizer) -> list:
    """The optimizer's variables but its iteration count and learning rate."""
    return [
        v
        for v in optimizer.variables
        if v is not optimizer.iterations and v.name != "learning_rate"
    ]


def _train_keras(model, spec, config, x, y, w, validation, state) -> TrainingResult:
    model.compile(optimizer=make_optimizer(config), loss=spec.loss)
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    kind = _keras_kind(optimizer)
    slots, step, first_epoch = _start(
        state, kind, lambda: [v.numpy() for v in _keras_slots(optimizer)]
    )
    for variable, value in zip(_keras_slots(optimizer), slots, strict=True):
        variable.assign(value)
    optimizer.iterations.assign(step)
    watch = _Watch(spec.output_kind, config, validation)
    model.fit(
        _SeededBatches(x, y, w, config.batch_size, config.seed, first_epoch),
        epochs=config.epochs,
        shuffle=False,
        verbose=config.verbose,
        callbacks=[*config.callbacks, watch],
    )
    # Read from our own callback: a user's History would hold earlier fits too.
    losses = watch.losses
    if watch.diverged:
        raise DivergenceError(_divergence_message(first_epoch + len(losses)))
    return TrainingResult(
        loss_curve=losses,
        validation_scores=watch.scores if config.early_stopping else None,
        n_iter=len(losses),
        engine="keras",
        state=OptimizerState(
            optimizer=kind,
            slots=[v.numpy() for v in _keras_slots(optimizer)],
            step=int(optimizer.iterations.numpy()),
            epoch=first_epoch + len(losses),
        ),
        stopped_early=watch.stopped,
    )


_PREDICT_BLOCK = 8192  # rows per block of predict and mc_predict


def _blocks(x):
    """``x`` in blocks of rows, each dense."""
    for start in range(0, x.shape[0], _PREDICT_BLOCK):
        block = x[start : start + _PREDICT_BLOCK]
        yield block.toarray() if sp.issparse(block) else block


def predict(model: keras.Model, x: np.ndarray | sp.spmatrix) -> np.ndarray:
    """Network outputs for ``x`` in inference mode (dropout off), in float64.

    The ``Dense`` layers of ``model`` are applied in order with their own
    activations, in double precision, so that a row's prediction does not
    depend on which other rows share its batch.  Rows go through in blocks
    (a sparse ``x`` is made dense one block at a time).
    """
    layers = _dense_layers(model)
    weights = [
        (tf.cast(layer.kernel, tf.float64), tf.cast(layer.bias, tf.float64))
        for layer in layers
    ]
    outputs = []
    for block in _blocks(x):
        h = tf.constant(block, tf.float64)
        for layer, (kernel, bias) in zip(layers, weights, strict=True):
            h = layer.activation(tf.matmul(h, kernel) + bias)
        outputs.append(h.numpy())
    if not outputs:
        return np.zeros((0, layers[-1].units))
    return np.concatenate(outputs)


def mc_predict(
    model: keras.Model,
    spec: NetworkSpec,
    x: np.ndarray | sp.spmatrix,
    n_samples: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Monte-Carlo dropout: mean and std of ``n_samples`` stochastic passes.

    Dropout stays on at the rates of ``spec`` (Gal and Ghahramani, 2016).  All
    passes over all rows run in one graph call per block of 8192 rows (a
    sparse ``x`` is made dense one block at a time); the masks depend only on
    ``seed``, the pass and the row block.
    """
    key = _GraphKey(
        n_features=spec.n_features,
        layer_sizes=spec.layer_sizes,
        activation=spec.activation,
        output_kind=spec.output_kind,
        optimizer="",
        nesterov=False,
        l2=False,
        dropout=_dropout_flags(spec),
        constrained=(),
        stopping="",
    )
    fn = MC_CACHE.get(key)
    params = [
        tf.convert_to_tensor(v)
        for d in _dense_layers(model)
        for v in (d.kernel, d.bias)
    ]
    rates = tf.constant((spec.input_dropout, *spec.dropout), tf.float32)
    means, stds = [], []
    for block, rows in enumerate(_blocks(x)):
        mean, std = fn(
            params,
            tf.constant(rows, tf.float32),
            rates,
            tf.constant((seed + block) % (2**31 - 1)),
            tf.constant(n_samples),
        )
        means.append(mean.numpy())
        stds.append(std.numpy())
    return np.concatenate(means), np.concatenate(stds)
