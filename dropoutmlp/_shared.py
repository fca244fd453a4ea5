"""The parameters and docstring entries both estimators share, written once.

The classifier and the regressor take the same parameters but for a few of
their own (the classifier's ``class_weight``; the regressor's ``loss``,
``standardize_target`` and ``mc_samples``).  The shared ones and their
defaults are listed once, here, in signature order: ``hidden_layer_sizes`` and
``activation`` (positional), then ``HYPERPARAMETERS`` and ``RUNTIME``
(keyword-only).  Each estimator's ``__init__`` is ``make_init`` of these with
its own parameters placed among them, e.g.
``make_init(**HYPERPARAMETERS, class_weight=None, **RUNTIME)``: like any
scikit-learn ``__init__`` it only stores its arguments, and its
``__signature__`` lists them, which is what scikit-learn's ``get_params``,
``help()``, IPython and Sphinx read.

Likewise, each Parameters or Attributes entry the two docstrings share is
written once, in ``_DOCS``: a line ``%(name)s`` of an estimator's docstring
stands for it and ``fill_doc`` writes it in.  The entries that differ (they
name the estimator's scikit-learn twin, its target or the target's scale) are
written in each docstring; ``tests/test_docstrings.py`` checks that the two
docstrings say the same about everything else.
"""

from __future__ import annotations

import inspect
import re
import textwrap

from ._validation import ROUTED_PREFIX, is_routed, suggestion

# The shared parameters and their defaults, in signature order.
_POSITIONAL = {"hidden_layer_sizes": (100,), "activation": "relu"}
HYPERPARAMETERS = {
    "input_dropout": 0.0,
    "dropout": 0.2,
    "max_norm": 3.0,
    "concrete_length_scale": 1e-4,
    "concrete_regularization": 0.5,
    "kernel_initializer": "glorot_uniform",
    "optimizer": "adam",
    "learning_rate": 0.001,
    "learning_rate_schedule": "constant",
    "power_t": 0.5,
    "momentum": 0.9,
    "nesterov": False,
    "alpha": 0.0001,
    "batch_size": 64,
    "epochs": 200,
    "warm_start": False,
    "early_stopping": False,
    "validation_fraction": 0.1,
    "n_iter_no_change": 10,
    "tol": 1e-4,
}
RUNTIME = {"callbacks": None, "engine": "auto", "random_state": None, "verbose": 0}


def make_init(**keywords):
    """An ``__init__`` of ``hidden_layer_sizes``, ``activation`` and ``keywords``.

    The first two are positional or keyword, ``keywords`` (names mapped to
    defaults, in order) keyword-only.  It stores every parameter as an
    attribute, and routed ``optimizer__<option>`` keywords too (scikeras-style,
    e.g. ``optimizer__beta_2=0.99``); any other keyword is a ``TypeError``
    naming the closest parameter.  Its ``__signature__`` lists the parameters,
    not the routed keywords.
    """
    defaults = {**_POSITIONAL, **keywords}
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter("self", positional)]
    for name, default in defaults.items():
        kind = positional if name in _POSITIONAL else inspect.Parameter.KEYWORD_ONLY
        parameters.append(inspect.Parameter(name, kind, default=default))
    signature = inspect.Signature(parameters)

    def __init__(self, *args, **kwargs):
        unknown = [key for key in kwargs if key not in defaults and not is_routed(key)]
        if unknown:
            hints = "; ".join(f"{k!r}{suggestion(k, defaults)}" for k in unknown)
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected keyword "
                f"argument(s) {hints}. Only the constructor's parameters and "
                f"routed '{ROUTED_PREFIX}<option>' keywords are accepted."
            )
        routed = {key: kwargs.pop(key) for key in list(kwargs) if is_routed(key)}
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as exc:  # too many positional or twice the same
            raise TypeError(f"{type(self).__name__}.__init__(): {exc}") from None
        bound.apply_defaults()
        for name in defaults:
            setattr(self, name, bound.arguments[name])
        vars(self).update(routed)

    __init__.__signature__ = signature
    return __init__


def fill_doc(cls):
    """Write each shared entry in for its ``%(name)s`` line of ``cls``'s docstring."""
    if cls.__doc__ is not None:  # None under ``python -OO``
        cls.__doc__ = re.sub(
            r"^( *)%\((\w+)\)s$",
            lambda match: textwrap.indent(_DOCS[match[2]].strip(), match[1]),
            cls.__doc__,
            flags=re.MULTILINE,
        )
    return cls


# The docstring entries both estimators share, by the name of the ``%(name)s``
# line that stands for them: one entry, or a few that belong together.
_DOCS = {}

# Parameters

_DOCS["activation"] = """
activation : str, default="relu"
    Hidden activation: scikit-learn's names (``"relu"``, ``"tanh"``,
    ``"logistic"``, ``"identity"``) or any Keras activation name.
"""

_DOCS["dropout_and_max_norm"] = """
input_dropout : float in [0, 1) or "concrete", default=0.0
    Rate of dropout on the inputs (the "visible" layer).  The dropout
    paper uses 0.2 on real-valued inputs; 0 adds no layer.
    ``"concrete"`` learns the rate in training (concrete dropout, Gal,
    Hron and Kendall, 2017) instead of fixing it.

dropout : float in [0, 1), "concrete" or sequence of them, default=0.2
    Rate of dropout after every hidden layer, or one rate per hidden
    layer.  0.2 is the article's starting point; 0.5 is the paper's
    default for large hidden layers.
    ``"concrete"`` learns a rate (one per layer) in training instead of
    fixing it; a sequence may mix learned and fixed rates, e.g.
    ``("concrete", 0.5)``.  Learned rates start at 0.1 and train with the
    weights, by the same optimizer, on the compiled engine (``"sgd"``,
    ``"adam"`` or ``"rmsprop"``, no callbacks); see the user guide.

max_norm : float > 0, None or sequence, default=3.0
    Max-norm constraint ``keras.constraints.MaxNorm(max_norm, axis=0)`` on
    each hidden layer's kernel: after every update, each hidden unit's
    incoming weight vector is rescaled to a norm of at most ``max_norm``.
    ``None`` disables it; a sequence gives one limit (or None) per hidden
    layer.  The output layer is never constrained.

concrete_length_scale : float >= 0, default=1e-4
    Prior length-scale ``l`` of concrete dropout's regulariser: each layer
    with a learned rate ``p`` adds ``l**2 * sum(W**2) / ((1 - p) N)`` to
    the loss (``W`` the kernel its dropout feeds, ``N`` the training
    rows).  Used only where a rate is ``"concrete"``.

concrete_regularization : float >= 0, default=0.5
    Weight ``lambda`` of concrete dropout's entropy term: each layer with
    a learned rate ``p`` and ``K`` inputs adds ``lambda * K * (p log p +
    (1 - p) log(1 - p)) / N`` to the loss, which pulls ``p`` towards 0.5
    the less data there is; 0 lets the rates follow the training loss
    alone.  The paper's value is 2 (a model of unit precision); 0.5
    landed closer to the best of a 5 x 5 grid of fixed rates on the data
    sets of ``benchmarks/concrete.py``.  Used only where a rate is
    ``"concrete"``.
"""

_DOCS["kernel_initializer"] = """
kernel_initializer : str or keras.initializers.Initializer, default="glorot_uniform"
    Initializer of every kernel (the article uses ``"normal"``).  Each
    layer gets its own copy seeded from ``random_state`` unless the
    instance given carries a seed of its own.
"""

_DOCS["optimizer_and_knobs"] = """
optimizer : str, Keras optimizer class or instance, default="adam"
    ``"sgd"``, ``"adam"`` and ``"rmsprop"`` run on the compiled engine;
    any other Keras optimizer trains through ``keras.Model.fit``.  A Keras
    optimizer class means the same as its name (``keras.optimizers.SGD``
    is ``"sgd"``, with ``learning_rate``, ``momentum`` and ``nesterov``).
    An instance is copied and used as configured: ``learning_rate``,
    ``momentum`` and ``nesterov`` do not apply to it.  Further options
    are routed scikeras-style as ``optimizer__<option>`` (names and
    classes only): the compiled engine uses ``beta_1``, ``beta_2`` and
    ``epsilon`` of Adam and ``rho`` and ``epsilon`` of RMSprop; any other
    option the optimizer takes (e.g. ``optimizer__clipnorm=1.0``) trains
    through ``keras.Model.fit`` (``engine_ == "keras"``); an option it
    does not take, or ``optimizer__learning_rate``/``momentum``/
    ``nesterov`` (set those parameters instead), raises ``ValueError``
    before training.

learning_rate : float > 0, default=0.001
    Step size (``MLPClassifier``'s ``learning_rate_init``).  With dropout
    the paper raises it 10 to 100 times over the plain network's, with
    momentum 0.9 to 0.99.

learning_rate_schedule : {"constant", "invscaling", "adaptive", "cosine"}, \
        default="constant"
    How the step size changes over the epochs (``MLPClassifier``'s
    ``learning_rate``, here for every optimizer and engine).
    ``"constant"``: ``learning_rate`` throughout.  ``"invscaling"``:
    ``learning_rate / (t + 1) ** power_t`` in an epoch after ``t`` rows
    trained on (over ``warm_start`` fits and ``partial_fit`` calls too).
    ``"adaptive"``: ``learning_rate`` until the stopping rule (see ``tol``)
    would stop the fit; then the rate is divided by 5 and the rule's count
    restarts, and the fit stops only once the rate is at most 1e-6 (so
    ``n_iter_no_change=np.inf`` keeps the rate constant).  The rate goes
    on over ``warm_start`` fits and ``partial_fit`` calls.
    ``"cosine"``: from ``learning_rate`` down along a half cosine, reaching
    zero after ``epochs`` epochs (each ``fit`` anew).  A Keras optimizer
    instance (or a Keras schedule inside one) keeps its own rate: any
    schedule but ``"constant"`` then raises ``ValueError``.

power_t : float >= 0, default=0.5
    The exponent of ``"invscaling"``; unused by the other schedules.

momentum : float in [0, 1], default=0.9
    Momentum of ``"sgd"`` and ``"rmsprop"``; ignored by other optimizers.

nesterov : bool, default=False
    Nesterov momentum for ``"sgd"``.
"""

_DOCS["epochs"] = """
epochs : int >= 1, default=200
    Most passes over the training data (``MLPClassifier``'s
    ``max_iter``); a stopping rule may end the fit sooner (see ``tol``).
"""

_DOCS["warm_start"] = """
warm_start : bool, default=False
    When fitted, ``fit`` continues training the current network (its
    weights and optimizer state) for another ``epochs`` epochs instead of
    starting anew, as in ``MLPClassifier``.  The network's layer sizes
    must stay the same.
"""

_DOCS["n_iter_no_change"] = """
n_iter_no_change : int >= 1 or np.inf, default=10
    Epochs without an improvement of at least ``tol`` before the fit
    stops (see ``tol``).  ``np.inf`` never stops: every epoch runs.
"""

_DOCS["callbacks"] = """
callbacks : list of keras.callbacks.Callback, default=None
    Keras callbacks.  Giving any trains through ``keras.Model.fit``
    (slower) so that the callbacks see every batch and epoch.  Every fit
    uses deep copies: the callbacks given are never bound to a model or
    changed (anything else is rejected before training).
"""

_DOCS["engine"] = """
engine : {"auto", "xla", "graph", "keras"}, default="auto"
    Which engine trains the fit.  ``"xla"`` runs the whole fit as one
    XLA-compiled program (a second or more to compile, then the fastest
    steps); ``"graph"`` runs the same program as a TensorFlow graph, not
    compiled (no compile time, slower steps; sparse ``X`` stays sparse
    only here); ``"keras"`` trains through ``keras.Model.fit`` (slowest;
    any optimizer, option or callback).  ``"auto"`` chooses: ``"keras"``
    when an optimizer, option or callback needs it, ``"graph"`` for
    sparse ``X`` and for fits of fewer than 2,000 optimizer steps and
    100,000 row visits (``epochs`` times the rows), else ``"xla"``.
    Without dropout the three give the same model up to float rounding;
    with dropout they draw their masks differently and agree in
    distribution.  A setting that cannot train the fit (``"xla"`` or
    ``"graph"`` with callbacks or another optimizer, ``"keras"`` with
    concrete dropout, ``"xla"`` with sparse ``X``) raises ``ValueError``
    before training.
"""

_DOCS["verbose"] = """
verbose : int, default=0
    0 silent, 1 a progress bar over epochs, 2 one line per update.
"""

_DOCS["kwargs"] = """
**kwargs : dict
    Routed parameters ``optimizer__<name>`` passed to the optimizer.
"""

# Attributes

_DOCS["n_features_in_"] = """
n_features_in_ : int
    Number of features seen during fit.
"""

_DOCS["feature_names_in_"] = """
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of the features seen during fit, when ``X`` had string column
    names (e.g. a pandas DataFrame).
"""

_DOCS["intercepts_"] = """
intercepts_ : list of ndarray of shape (n_out,)
    Bias of each ``Dense`` layer, in float64.
"""

_DOCS["input_dropout_"] = """
input_dropout_ : float
    Dropout rate on the inputs: ``input_dropout``, or the learned rate.
"""

_DOCS["dropout_"] = """
dropout_ : ndarray of shape (n_hidden_layers,)
    Dropout rate after each hidden layer: ``dropout``, or the learned
    rates.  ``model_``, ``mc_predict`` and pickles use these rates.
"""

_DOCS["learning_rate_curve_"] = """
learning_rate_curve_ : list of float
    The learning rate of every epoch (see ``learning_rate_schedule``).
    Grows like ``loss_curve_``.
"""

_DOCS["dropout_curve_"] = """
dropout_curve_ : list of tuple of float or None
    With concrete dropout, the rates ``(input_dropout_, *dropout_)`` after
    every epoch (growing like ``loss_curve_``); None without.
"""

_DOCS["n_iter_"] = """
n_iter_ : int
    Epochs run by the last ``fit`` or ``partial_fit`` call, as in
    ``MLPClassifier`` (``loss_curve_`` and ``validation_scores_`` keep
    growing over ``warm_start`` fits and ``partial_fit`` calls).
"""

_DOCS["validation_loss_curve_"] = """
validation_loss_curve_ : list of float or None
    The validation rows' loss after every epoch, dropout off, weighted by
    ``sample_weight_val``, plus the L2 penalty (Keras' ``val_loss``), with
    early stopping or ``X_val``; None without.  Grows like
    ``validation_scores_``.
"""

_DOCS["best_validation_score_"] = """
best_validation_score_ : float or None
    Best validation score of the last fit (the restored weights' score),
    with early stopping; None without.
"""

_DOCS["engine_"] = """
engine_ : {"xla", "graph", "keras"}
    The engine that trained the last fit: ``engine``, or the one
    ``engine="auto"`` chose; see the user guide.
"""

_DOCS["callbacks_"] = """
callbacks_ : list of keras.callbacks.Callback
    The copies of ``callbacks`` the last fit trained with (a ``History``
    among them holds that fit's epochs), detached from the model.
"""
