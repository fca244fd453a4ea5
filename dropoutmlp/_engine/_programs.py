"""The engine's training programs: one TensorFlow function per structure.

A program runs epochs ``[start, stop)`` of a fit (shuffles, mini-batches,
forward pass with dropout, loss, gradients, optimizer update, max-norm, L2,
sample weights, the stopping rule's bookkeeping) as one TensorFlow call.  It
captures neither the weights nor any hyperparameter: weights, optimizer
slots, dropout rates, max-norm limits, learning rate, momentum and the other
optimizer constants go in as tensors, so one program serves every clone and
grid point of a search.  Its :class:`ProgramKey` holds the structure only.

A program is built in one of two forms:

* **compiled** (``jit_compile=True``): XLA fuses the whole loop into one
  native program, which removes TensorFlow's per-operation cost; shapes are
  fixed, so the rows are padded to a bucket (:func:`padded_rows`, padding
  rows have weight 0 and never enter a batch) and the batch size is part of
  the key.  Dropout masks come from the counter-based hash of
  :mod:`._random`, which XLA compiles to a few fused integer operations;
  every dropout rate and max-norm limit is a value, so networks with and
  without dropout share one program.
* **graph** (no XLA): the same loop run by TensorFlow's executor, for fits
  too short to repay a compilation and for sparse input (which XLA cannot
  gather); masks come from TensorFlow's stateless Philox generator, and only
  the layers with dropout or max-norm get those operations.  The loop is
  traced straight into its session's graph: wrapped in a ``tf.function``
  (automatic control dependencies, a function library, Grappler inlining
  it), the same operations made a new program's first fit slower (a
  concrete program on wine, median of five fresh processes: 1.00 s against
  0.77 s, the fits identical).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from .._compat import graph_placeholder, program_session, quiet_retracing
from .._network import weight_shapes
from . import _maths, _random
from ._config import N_SLOTS

CACHE_SIZE = 16
# Learning rate of the dropout logits' Adam (concrete dropout).
CONCRETE_LEARNING_RATE = 0.01
# Most epochs one call runs (the loss curve buffer's length).
MAX_EPOCHS_PER_CALL = 256
# Most training rows the stopping rule's loss is measured on (dropout off)
# at every epoch's end: all rows up to this, else a fixed sample of this many.
EVAL_ROWS = 4096
HYPERPARAMETERS = (
    "learning_rate",
    "momentum",
    "nesterov",
    "beta_1",
    "beta_2",
    "epsilon",
    "rho",
    "l2",
    "tol",
    "weight_reg",  # concrete dropout: length_scale**2 / rows
    "dropout_reg",  # concrete dropout: concrete_regularization / rows
)


@dataclass(frozen=True)
class ProgramKey:
    """Everything that changes a training program (and nothing that does not).

    ``dropout`` and ``constrained`` flag the ``Dense`` layers whose input gets
    a mask and whose kernel a max-norm, ``concrete`` (empty: none) those whose
    input's dropout rate is learned; ``l2`` and ``nesterov`` whether those
    terms are in the program.  A compiled program has the dropout, max-norm
    and Nesterov flags on (the values decide); ``n_rows``, ``n_val`` and
    ``n_eval`` (the rows the stopping rule's loss is measured on) are then
    its padded row counts, and None (any) in a graph program.
    """

    layer_sizes: tuple[int, ...]
    activation: str
    output_kind: str
    optimizer: str
    stopping: str  # "validation" or "loss"
    batch_size: int
    dropout: tuple[bool, ...]
    constrained: tuple[bool, ...]
    l2: bool
    nesterov: bool
    compiled: bool
    n_rows: int | None = None
    n_val: int | None = None
    n_eval: int | None = None
    sparse: bool = False
    concrete: tuple[bool, ...] = ()


def padded_rows(n: int) -> int:
    """The row bucket of ``n`` rows: the least ``m * 2**e >= n``, ``m`` in 4..7.

    At most a third more rows than ``n``; the folds of a cross-validation (and
    the training sets of a grid search on them) fall into one bucket.
    """
    if n <= 8:
        return 8
    e = n.bit_length() - 3
    return -(-n >> e) << e


def eval_rows(n_rows: int, seed: int) -> np.ndarray:
    """The rows the stopping rule's loss is measured on: all, or a fixed sample.

    Up to ``EVAL_ROWS`` rows, every row; beyond, ``EVAL_ROWS`` rows drawn
    once from ``seed`` (in order), the same at every epoch of the fit.
    """
    if n_rows <= EVAL_ROWS:
        return np.arange(n_rows, dtype=np.int32)
    rng = np.random.RandomState(seed)
    return np.sort(rng.choice(n_rows, EVAL_ROWS, replace=False)).astype(np.int32)


def _build(key: ProgramKey):
    """The training function of ``key`` (see the module docstring).

    With concrete dropout the trained parameters are the weight list then one
    vector of the ``Dense`` layers' dropout logits (``logit(p)``, moving only
    where ``key.concrete`` says), and the regulariser joins every batch loss,
    its gradients written out as L2's are (:func:`._maths.concrete_regularizer`).
    The logits have an Adam of their own (its two slots after the weights'),
    whatever the weights' optimizer: the gradient of a layer's logit sums
    over the layer's units, and a step size tuned for single weights (SGD at
    the article's 0.1, momentum 0.9) throws it about; Adam's step is bounded
    by its learning rate.
    """
    n_dense = len(key.layer_sizes) - 1
    bs = key.batch_size
    learned = [i for i, flag in enumerate(key.concrete) if flag]
    concrete_adam = {
        "learning_rate": CONCRETE_LEARNING_RATE,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
    }

    # The columns of a step's draws that each Dense layer's mask reads.
    inputs = key.layer_sizes[:-1]
    widths = [w if flag else 0 for w, flag in zip(inputs, key.dropout, strict=True)]
    offsets = np.cumsum([0, *widths])

    def draws(seed, step):
        """Uniform draws of one step's masks, one column block per layer.

        Compiled, one hashed block for every layer (one fused operation);
        in a graph, one Philox stream per layer with dropout.
        """
        if key.compiled:
            block = _random.uniform(_random.combine(seed, step), (bs, offsets[-1]))
            return [block[:, offsets[i] : offsets[i + 1]] for i in range(n_dense)]
        return [
            tf.random.stateless_uniform(
                (bs, width),
                seed=tf.stack([tf.cast(seed, tf.int32), step * n_dense + i]),
            )
            if width
            else None
            for i, width in enumerate(widths)
        ]

    def run(state, data, hp, rates, limits, seeds, n, start, stop, patience):
        params, slots, step = state["params"], state["slots"], state["step"]
        x, y, w = data["x"] if not key.sparse else None, data["y"], data["w"]
        n_batches = (n + bs - 1) // bs
        n_float = tf.cast(n, tf.float32)
        n_rows = key.n_rows if key.compiled else tf.shape(y)[0]

        def rows(idx):
            if key.sparse:
                return _sparse_rows(data, idx, key.layer_sizes[0])
            return tf.gather(x, idx)

        def batch_loss(p, xb, yb, wb, nb, step):
            masks = draws(seeds[1], step) if any(key.dropout) else None

            def dropout(i, h):
                if i in learned:
                    return _maths.concrete_dropout(h, masks[i], p[-1][i])
                if not key.dropout[i]:
                    return h
                return _maths.inverted_dropout(h, masks[i], rates[i])

            z = _maths.logits(p[: 2 * n_dense], xb, key.activation, dropout)
            return tf.reduce_sum(_maths.row_losses(key.output_kind, yb, z) * wb) / nb

        def eval_loss(params):
            """The training rows' loss with dropout off, as Keras' evaluate.

            Measured on the rows ``data["eval_rows"]`` (padding where
            ``eval_valid`` is 0), plus the L2 penalty: the stopping rule's
            signal.  Sparse rows are made dense ``bs`` at a time.
            """
            idx, valid = data["eval_rows"], data["eval_valid"]

            def total(idx, valid):
                z = _maths.logits(params[: 2 * n_dense], rows(idx), key.activation)
                row_loss = _maths.row_losses(key.output_kind, tf.gather(y, idx), z)
                return tf.reduce_sum(row_loss * tf.gather(w, idx) * valid)

            if key.sparse:
                pad = tf.zeros([bs], idx.dtype)
                idx = tf.concat([idx, pad], 0)
                valid = tf.concat([valid, tf.zeros([bs])], 0)
                n_chunks = (tf.size(idx) - 1) // bs
                _, summed = tf.while_loop(
                    lambda c, _: c < n_chunks,
                    lambda c, acc: (
                        c + 1,
                        acc
                        + total(
                            tf.slice(idx, [c * bs], [bs]),
                            tf.slice(valid, [c * bs], [bs]),
                        ),
                    ),
                    (tf.constant(0), tf.constant(0.0)),
                )
            else:
                summed = total(idx, valid)
            loss = summed / tf.reduce_sum(valid)
            if key.l2:
                kernels = params[: 2 * n_dense : 2]
                loss += hp["l2"] * tf.add_n(
                    [tf.reduce_sum(tf.square(k)) for k in kernels]
                )
            return loss

        def current_rates(params):
            """Each Dense layer's input dropout rate, learned or given."""
            return tf.where(tf.constant(key.concrete), tf.sigmoid(params[-1]), rates)

        def batch_body(b, params, slots, step, total, order):
            idx = tf.slice(order, [b * bs], [bs])
            valid = tf.cast(b * bs + tf.range(bs) < n, tf.float32)
            nb = tf.reduce_sum(valid)
            xb, yb = rows(idx), tf.gather(y, idx)
            wb = tf.gather(w, idx) * valid
            with tf.GradientTape() as tape:
                tape.watch(params)
                loss = batch_loss(params, xb, yb, wb, nb, step)
            grads = tape.gradient(loss, params)
            if key.l2 or learned:  # the penalties, their gradients written out
                kernels = params[: 2 * n_dense : 2]
                sq_norms = [tf.reduce_sum(tf.square(k)) for k in kernels]
                # Each kernel's coefficient of its sum of squares.
                decay = [hp["l2"] if key.l2 else 0.0] * n_dense
                if key.l2:  # Keras' L2 on every kernel
                    loss += hp["l2"] * tf.add_n(sq_norms)
                if learned:
                    penalty, concrete_decay, logit_grad = _maths.concrete_regularizer(
                        tf.stack(sq_norms),
                        params[-1],
                        tf.constant(inputs, tf.float32),
                        tf.constant(key.concrete, tf.float32),
                        hp["weight_reg"],
                        hp["dropout_reg"],
                    )
                    loss += penalty
                    grads[-1] += logit_grad
                    for i in learned:
                        decay[i] += concrete_decay[i]
                for i, k in enumerate(kernels):
                    if key.l2 or i in learned:
                        grads[2 * i] += 2.0 * decay[i] * k
            n_weight_slots = 2 * n_dense * N_SLOTS[key.optimizer]
            weights, weight_slots = _maths.optimizer_step(
                key.optimizer,
                hp,
                step,
                params[: 2 * n_dense],
                slots[:n_weight_slots],
                grads[: 2 * n_dense],
            )
            if learned:  # the dropout logits, by an Adam of their own
                logits, logit_slots = _maths.optimizer_step(
                    "adam",
                    concrete_adam,
                    step,
                    params[-1:],
                    slots[n_weight_slots:],
                    grads[-1:],
                )
                weights, weight_slots = weights + logits, weight_slots + logit_slots
            params, slots = list(weights), list(weight_slots)
            for i, constrained in enumerate(key.constrained):
                if constrained:
                    params[2 * i] = _maths.max_norm(params[2 * i], limits[i])
            return b + 1, params, slots, step + 1, total + loss * nb, order

        def epoch_body(epoch, params, slots, step, best, finite, curves):
            losses, eval_losses, scores, rate_curve = curves
            order = _random.epoch_order(n_rows, n, seeds[0], epoch)
            order = tf.concat([order, tf.zeros([bs], tf.int32)], 0)  # slices in range
            _, params, slots, step, total, _ = tf.while_loop(
                lambda b, *_: b < n_batches,
                batch_body,
                (tf.constant(0), params, slots, step, tf.constant(0.0), order),
            )
            loss = total / n_float
            at = [[epoch - start]]
            losses = tf.tensor_scatter_nd_update(losses, at, [loss])
            clean = eval_loss(params)
            eval_losses = tf.tensor_scatter_nd_update(eval_losses, at, [clean])
            if learned:
                rate_curve = tf.tensor_scatter_nd_update(
                    rate_curve, at, [current_rates(params)]
                )
            # The loss without dropout too: outputs can overflow while the
            # weights stay finite (an exponential output, say).
            finite = _maths.all_finite((loss, clean), params)
            if key.stopping == "validation":
                z = _maths.logits(params[: 2 * n_dense], data["x_val"], key.activation)
                score = _maths.score(
                    key.output_kind,
                    data["y_val"],
                    _maths.outputs(key.output_kind, z),
                    data["valid_val"],
                )
                scores = tf.tensor_scatter_nd_update(scores, at, [score])
            else:  # the training loss without dropout, as a score
                score = -clean
            count = tf.where(score >= best["score"] + hp["tol"], 0, best["count"] + 1)
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
            curves = (losses, eval_losses, scores, rate_curve)
            return epoch + 1, params, slots, step, best, finite, curves

        def keep_going(epoch, params, slots, step, best, finite, curves):
            # The first epoch always runs, as in MLPClassifier: a warm start
            # carries the rule's count over, and is stopped after an epoch.
            patient = tf.logical_or(tf.equal(epoch, start), best["count"] <= patience)
            return tf.logical_and(tf.logical_and(epoch < stop, patient), finite)

        buffer = tf.zeros([MAX_EPOCHS_PER_CALL])
        rate_rows = MAX_EPOCHS_PER_CALL if learned else 0  # only learned rates
        curves = (buffer, buffer, buffer, tf.zeros([rate_rows, n_dense]))
        epoch, params, slots, step, best, finite, curves = tf.while_loop(
            keep_going,
            epoch_body,
            (start, list(params), list(slots), step, state["best"], tf.constant(True))
            + (curves,),
        )
        new_state = {"params": params, "slots": slots, "step": step, "best": best}
        return new_state, epoch, finite, curves

    if not key.compiled:  # the session's graph takes run's operations as traced
        return SessionProgram(key, run)
    function = tf.function(
        run,
        input_signature=_signature(key),
        autograph=False,
        jit_compile=True,
        reduce_retracing=False,
    )
    return SessionProgram(key, function)


class SessionProgram:
    """A training program in a TensorFlow session of its own.

    The program's graph is traced once, with placeholders for its inputs,
    into a session of its own (:func:`~dropoutmlp._compat.program_session`):
    closing it, when the cache evicts the program, frees what the program
    holds, and nothing process-wide changes (the design note in the docs
    has the measurements).  Calls take and return NumPy values.
    """

    def __init__(self, key: ProgramKey, function):
        self._graph = tf.Graph()
        with self._graph.as_default():
            inputs = tf.nest.map_structure(graph_placeholder, _signature(key))
            self._outputs = function(*inputs)
        self._inputs = tf.nest.flatten(inputs)
        self._session = program_session(self._graph)

    def __call__(self, *args):
        values = [np.asarray(value) for value in tf.nest.flatten(args)]
        feed = dict(zip(self._inputs, values, strict=True))
        return self._session.run(self._outputs, feed)

    def experimental_get_tracing_count(self) -> int:
        """Graphs traced for this program: one, when it was built."""
        return 1

    def close(self) -> None:
        self._session.close()


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


def _signature(key: ProgramKey):
    """``input_signature`` of a program: only the structure is fixed."""
    f32, i32 = tf.float32, tf.int32
    n_dense = len(key.layer_sizes) - 1
    p_specs = [tf.TensorSpec(s, f32) for s in weight_shapes(key.layer_sizes)]
    if any(key.concrete):  # the dropout logits
        p_specs.append(tf.TensorSpec((n_dense,), f32))
    n_in, n_out = key.layer_sizes[0], key.layer_sizes[-1]
    state = {
        "params": p_specs,
        "slots": p_specs[: 2 * n_dense] * N_SLOTS[key.optimizer]
        + p_specs[2 * n_dense :] * 2,
        "step": tf.TensorSpec((), i32),
        "best": {
            "score": tf.TensorSpec((), f32),
            "count": tf.TensorSpec((), i32),
            "params": p_specs,
        },
    }
    rows, val = key.n_rows, key.n_val
    if key.sparse:  # a CSR matrix: values, column indices, row pointers
        data = {
            "x_values": tf.TensorSpec((None,), f32),
            "x_indices": tf.TensorSpec((None,), tf.int64),
            "x_indptr": tf.TensorSpec((None,), tf.int64),
        }
    else:
        data = {"x": tf.TensorSpec((rows, n_in), f32)}
    data |= {
        "y": tf.TensorSpec((rows, n_out), f32),
        "w": tf.TensorSpec((rows,), f32),
        "eval_rows": tf.TensorSpec((key.n_eval,), i32),
        "eval_valid": tf.TensorSpec((key.n_eval,), f32),
    }
    if key.stopping == "validation":
        data |= {
            "x_val": tf.TensorSpec((val, n_in), f32),
            "y_val": tf.TensorSpec((val, n_out), f32),
            "valid_val": tf.TensorSpec((val,), f32),
        }
    scalar = tf.TensorSpec((), i32)
    return [
        state,
        data,
        {name: tf.TensorSpec((), f32) for name in HYPERPARAMETERS},
        tf.TensorSpec((n_dense,), f32),  # dropout rates, on each Dense layer's input
        tf.TensorSpec((n_dense,), f32),  # max-norm limits (inf: none)
        tf.TensorSpec((2,), tf.uint32),  # seeds: shuffle, dropout
        scalar,  # rows to train on (the rest is padding)
        scalar,  # first epoch
        scalar,  # stop before this epoch
        scalar,  # n_iter_no_change
    ]


class ProgramCache:
    """A bounded least-recently-used cache of the programs ``factory`` builds."""

    def __init__(self, factory, maxsize: int = CACHE_SIZE):
        self.factory = factory
        self.maxsize = maxsize
        self._programs: OrderedDict = OrderedDict()

    def get(self, key):
        """The program of ``key``, built on a miss."""
        program = self._programs.pop(key, None)
        if program is None:
            program = self.factory(key)
            quiet_retracing(program)
        self._programs[key] = program
        while len(self._programs) > self.maxsize:
            _close(self._programs.popitem(last=False)[1])
        return program

    def traces(self) -> int:
        """Programs traced among those cached (for tests)."""
        return sum(p.experimental_get_tracing_count() for p in self._programs.values())

    def clear(self) -> None:
        for program in self._programs.values():
            _close(program)
        self._programs.clear()


def _close(program) -> None:
    """Free what an evicted program holds (a session's devices and executables)."""
    close = getattr(program, "close", None)
    if close is not None:
        close()


PROGRAMS = ProgramCache(_build)
