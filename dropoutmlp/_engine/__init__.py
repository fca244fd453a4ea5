"""The training engine: each fit as one TensorFlow program, and inference.

Keras' ``Model.fit`` pays Python and dispatch overhead for every mini-batch,
which dominates the cost of the small networks that dropout is usually tried
on.  The engine runs whole fits as TensorFlow programs instead, with the
semantics of ``Model.fit``:

* a fresh shuffle every epoch, drawn from the seed;
* mini-batches of ``batch_size`` rows, the last one partial;
* the loss of a batch is the mean of the sample-weighted per-row losses plus
  the kernels' ``L2`` penalty, and the loss of an epoch the row-weighted mean
  of its batch losses (as in ``history.history["loss"]``);
* the optimizer update of Keras' ``SGD``, ``Adam`` or ``RMSprop``, then every
  ``MaxNorm`` constraint, after every step;
* dropout active only while training.

Its modules, one job each: :mod:`._config` (what a fit is asked and returns),
:mod:`._state` (the programs' typed inputs and state), :mod:`._random`
(counter-based random numbers), :mod:`._maths` (the training maths in
TensorFlow ops), :mod:`._optimizers` (Keras' optimizers as pure
``init``/``update`` pairs), :mod:`._steps` (the training program's named
steps and the stopping rule), :mod:`._programs` (the compiled and graph
programs: key, inputs, signature, cache), :mod:`._rows` (the rows in the
programs' float32 form), :mod:`._driver` (which engine trains a fit, and
the calls that run it), :mod:`._keras_fit` (the
``Model.fit`` engine, with the programs' stopping rule and loss) and
:mod:`._inference` (predictions from fitted weights).
"""

from ._config import (
    ENGINES,
    SCHEDULES,
    DivergenceError,
    OptimizerState,
    TrainingConfig,
    TrainingResult,
    check_engine,
    make_optimizer,
)
from ._driver import train
from ._inference import mc_predict, predict
from ._programs import PROGRAMS
from ._rows import float32_rows

__all__ = [
    "ENGINES",
    "SCHEDULES",
    "PROGRAMS",
    "DivergenceError",
    "OptimizerState",
    "TrainingConfig",
    "TrainingResult",
    "check_engine",
    "float32_rows",
    "make_optimizer",
    "mc_predict",
    "predict",
    "train",
]
