"""The engine's training programs: their key, inputs, signature, build and cache.

A program (:func:`._steps.run` traced for one :class:`ProgramKey`) runs
epochs ``[start, stop)`` of a fit (shuffles, mini-batches, forward pass with
dropout, loss, gradients, optimizer update, max-norm, L2, sample weights,
the stopping rule's bookkeeping) as one TensorFlow call.  It
captures neither the weights nor any hyperparameter: weights, optimizer
slots, dropout rates, max-norm limits, learning rate, momentum and the other
optimizer constants go in as tensors, so one program serves every clone and
grid point of a search.  Its :class:`ProgramKey` holds the structure only.

A program is built in one of two forms:

* **compiled** (``jit_compile=True``): XLA fuses the whole loop into one
  native program, which removes TensorFlow's per-operation cost; shapes are
  fixed, so the rows are padded to a bucket (:func:`._rows.padded_rows`, padding
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
import scipy.sparse as sp
import tensorflow as tf

from .._compat import graph_placeholder, program_session, quiet_retracing
from .._network import NetworkSpec, weight_shapes
from . import _steps
from ._config import TrainingConfig
from ._optimizers import OPTIMIZERS
from ._rows import padded, padded_rows
from ._state import (
    Hyper,
    Inputs,
    OptState,
    Params,
    ProgramState,
    Span,
    Stopping,
    TrainState,
)

CACHE_SIZE = 16
# Most training rows the stopping rule's loss is measured on (dropout off)
# at every epoch's end: all rows up to this, else a fixed sample of this many.
EVAL_ROWS = 4096


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
    scored: bool  # validation rows scored at every epoch's end
    schedule: str  # the learning-rate schedule
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


def eval_rows(n_rows: int, seed: int) -> np.ndarray:
    """The rows the stopping rule's loss is measured on: all, or a fixed sample.

    Up to ``EVAL_ROWS`` rows, every row; beyond, ``EVAL_ROWS`` rows drawn
    once from ``seed`` (in order), the same at every epoch of the fit.
    """
    if n_rows <= EVAL_ROWS:
        return np.arange(n_rows, dtype=np.int32)
    rng = np.random.RandomState(seed)
    return np.sort(rng.choice(n_rows, EVAL_ROWS, replace=False)).astype(np.int32)


def program_key(
    spec: NetworkSpec,
    config: TrainingConfig,
    engine: str,
    n_rows: int,
    n_val: int,
    sparse: bool,
    n_eval: int,
) -> ProgramKey:
    """The :class:`ProgramKey` of a fit on the ``engine`` ("xla" or "graph")."""
    compiled = engine == "xla"
    everywhere = (True,) * len(spec.rates)
    return ProgramKey(
        layer_sizes=spec.layer_sizes,
        activation=spec.activation,
        output_kind=spec.output_kind,
        optimizer=config.optimizer,
        stopping=config.stopping,
        scored=n_val > 0,
        schedule=config.learning_rate_schedule,
        # One batch of every row: a batch of the row bucket, padding masked.
        batch_size=(
            config.batch_size if config.batch_size < n_rows else padded_rows(n_rows)
        ),
        dropout=everywhere
        if compiled
        else tuple(r > 0 or c for r, c in zip(spec.rates, spec.learned, strict=True)),
        constrained=everywhere
        if compiled
        else tuple(m is not None for m in spec.limits),
        l2=config.l2 > 0,
        nesterov=compiled or (config.nesterov and config.optimizer == "sgd"),
        compiled=compiled,
        n_rows=padded_rows(n_rows) if compiled else None,
        n_val=padded_rows(n_val) if compiled and n_val else None,
        n_eval=padded_rows(n_eval) if compiled else None,
        sparse=sparse,
        concrete=spec.concrete if any(spec.concrete) else (),
    )


def program_data(key: ProgramKey, x, y, w, validation, rows) -> dict:
    """A fit's rows as the program takes them (dense and padded, or CSR).

    Dense rows are padded in place when :func:`._rows.float32_rows` made
    them (a view, no copy), and are aligned so that every call takes them
    without a copy.  ``rows`` are those the stopping rule's loss reads
    (:func:`eval_rows`);
    ``validation`` is ``(x_val, y_val, w_val)``, the rows scored at every
    epoch's end (``key.scored``), their weights 0 in the padding.
    """
    if key.sparse:
        x = sp.csr_matrix(x)
        data = {
            "x_values": np.asarray(x.data, np.float32),
            "x_indices": np.asarray(x.indices, np.int64),
            "x_indptr": np.asarray(x.indptr, np.int64),
        }
    else:
        data = {"x": padded(x, key.n_rows)}
    data |= {"y": padded(y, key.n_rows), "w": padded(w, key.n_rows)}
    n_eval = key.n_eval or len(rows)
    data |= {
        "eval_rows": np.concatenate([rows, np.zeros(n_eval - len(rows), np.int32)]),
        "eval_valid": padded(np.ones(len(rows), np.float32), key.n_eval),
    }
    if key.scored:
        x_val, y_val, w_val = validation
        data |= {
            "x_val": padded(x_val, key.n_val),
            "y_val": padded(y_val, key.n_val),
            "w_val": padded(w_val, key.n_val),
        }
    return data


def init_state(key: ProgramKey, params: Params, like) -> TrainState:
    """A fresh training state of ``params`` (``like`` makes each slot).

    The weights get the key's optimizer's state, the dropout logits (with
    concrete dropout) their own Adam's.
    """
    logit_state = OPTIMIZERS["adam"].init([params.logits], like) if key.concrete else ()
    return TrainState(
        params=params,
        opt_state=OptState(
            OPTIMIZERS[key.optimizer].init(params.weights, like), logit_state
        ),
        step=None,
    )


def signature(key: ProgramKey) -> tuple:
    """A program's input signature: the typed state and inputs of ``key``.

    Built from the same types (and the optimizers' own ``init``) as the
    values the driver feeds, so only the structure is fixed.
    """
    f32, scalar = tf.float32, tf.TensorSpec((), tf.int32)
    n_dense = len(key.layer_sizes) - 1
    params = Params(
        [tf.TensorSpec(s, f32) for s in weight_shapes(key.layer_sizes)],
        tf.TensorSpec((n_dense,), f32) if key.concrete else (),
    )
    train = init_state(key, params, like=lambda spec: spec)._replace(
        step=scalar,
        learning_rate=tf.TensorSpec((), f32),
        rows_seen=tf.TensorSpec((), f32),
    )
    state = ProgramState(train, Stopping(tf.TensorSpec((), f32), scalar, params))
    inputs = Inputs(
        data=_data_signature(key),
        hyper=Hyper(*[tf.TensorSpec((), f32)] * len(Hyper._fields)),
        rates=tf.TensorSpec((n_dense,), f32),  # on each Dense layer's input
        limits=tf.TensorSpec((n_dense,), f32),
        seeds=tf.TensorSpec((2,), tf.uint32),
        n_rows=scalar,
    )
    return state, inputs, Span(*[scalar] * len(Span._fields))


def _data_signature(key: ProgramKey) -> dict:
    """The signature of :func:`program_data`'s dict."""
    f32, i32 = tf.float32, tf.int32
    n_in, n_out, rows, val = (
        key.layer_sizes[0],
        key.layer_sizes[-1],
        key.n_rows,
        key.n_val,
    )
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
    if key.scored:
        data |= {
            "x_val": tf.TensorSpec((val, n_in), f32),
            "y_val": tf.TensorSpec((val, n_out), f32),
            "w_val": tf.TensorSpec((val,), f32),
        }
    return data


def _build(key: ProgramKey):
    """The program of ``key``: :func:`._steps.run`, compiled or as a graph."""

    def run(state, inputs, span):
        return _steps.run(key, state, inputs, span)

    if not key.compiled:  # the session's graph takes run's operations as traced
        return SessionProgram(key, run)
    function = tf.function(
        run,
        input_signature=signature(key),
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
            inputs = tf.nest.map_structure(graph_placeholder, signature(key))
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


class ProgramCache:
    """A bounded least-recently-used cache of the programs ``factory`` builds."""

    def __init__(self, factory, maxsize: int = CACHE_SIZE):
        self.factory = factory
        self.maxsize = maxsize
        self._programs: OrderedDict = OrderedDict()
        self.compiled_any = False  # whether an XLA program was ever built

    def get(self, key):
        """The program of ``key``, built on a miss."""
        program = self._programs.pop(key, None)
        if program is None:
            program = self.factory(key)
            quiet_retracing(program)
            self.compiled_any |= bool(getattr(key, "compiled", False))
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
