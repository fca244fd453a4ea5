"""Every legacy or private TensorFlow and Keras API the package uses, in one place.

Each helper says why the public API does not serve; when a TensorFlow or
Keras release moves one of these, this module is the one to change (as
Keras' own ``fixes.py`` keeps its version shims).  The measurements behind
the sessions' settings are in the documentation's design note
(``docs/design.rst``).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from tensorflow.core.protobuf import rewriter_config_pb2  # not re-exported by tf


def check_keras_backend() -> None:
    """Raise ImportError unless Keras runs on TensorFlow.

    The training programs are TensorFlow graphs fed with NumPy, and the
    ``Model.fit`` path reads TensorFlow variables; another backend would
    fail deep inside a fit.
    """
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ImportError(
            f"dropoutmlp needs Keras' TensorFlow backend; Keras is running on "
            f"{backend!r} (set by the KERAS_BACKEND environment variable or "
            "~/.keras/keras.json). Set KERAS_BACKEND=tensorflow before Keras "
            "is first imported."
        )


def graph_placeholder(spec: tf.TensorSpec) -> tf.Tensor:
    """A feedable input of a session's graph (``tf.compat.v1``).

    A program's graph is traced once into a session of its own
    (:func:`program_session`), whose inputs are fed at every call; TF2 has no
    public API for a graph run outside ``tf.function``.
    """
    return tf.compat.v1.placeholder(spec.dtype, spec.shape)


def program_session(graph: tf.Graph) -> tf.compat.v1.Session:
    """A session of its own for one training program's ``graph``.

    ``tf.compat.v1.Session``: its devices hold the program's XLA executable
    and kernels, freed when the session closes, without changing
    TensorFlow's process-wide state; one inter-op thread of its own (the
    loop is serial).  Grappler runs one pass, without its layout and memory
    optimizers (they change nothing in these CPU graphs), through the
    internal ``rewriter_config_pb2`` enums, which TensorFlow does not export.
    """
    config = tf.compat.v1.ConfigProto(
        inter_op_parallelism_threads=1, use_per_session_threads=True
    )
    rewrites = config.graph_options.rewrite_options
    rewrites.meta_optimizer_iterations = rewriter_config_pb2.RewriterConfig.ONE
    rewrites.layout_optimizer = rewriter_config_pb2.RewriterConfig.OFF
    rewrites.memory_optimization = rewriter_config_pb2.RewriterConfig.NO_MEM_OPT
    return tf.compat.v1.Session(graph=graph, config=config)


def quiet_retracing(function) -> None:
    """Silence ``tf.function``'s "excessive retracing" warning for ``function``.

    Each cached program traces once (its input signature fixes the shapes),
    but TensorFlow counts traces per code object across every program of the
    cache and warns after a few architectures; its private flag is the only
    per-function switch (the public one, ``reduce_retracing``, changes the
    tracing itself).
    """
    function._omit_frequent_tracing_warning = True


def dropout_seed_states(model: keras.Model) -> list:
    """The seed-generator state variables of a model's ``Dropout`` layers.

    Keras has no public API to save and restore where a layer's masks are:
    ``seed_generator.state`` is the variable its draws advance, and a
    continued fit (warm start) sets it so that the masks go on.
    """
    return [
        layer.seed_generator.state
        for layer in model.layers
        if isinstance(layer, keras.layers.Dropout)
    ]


def optimizer_slots(optimizer: keras.optimizers.Optimizer) -> list:
    """An optimizer's per-weight slot variables, in Keras' order.

    Keras has no public list of the slots alone: they are its variables
    but its iteration count and its learning rate (a variable named
    ``learning_rate``).
    """
    return [
        v
        for v in optimizer.variables
        if v is not optimizer.iterations and v.name != "learning_rate"
    ]


def detach_callback(callback: keras.callbacks.Callback) -> None:
    """Unbind a callback from the model a fit bound it to.

    ``Callback.set_model`` called unbound: a subclass may override
    ``set_model`` with a method that rejects None, and the base class's
    plain assignment is what detaching means (the copy then pickles without
    the model).
    """
    keras.callbacks.Callback.set_model(callback, None)
