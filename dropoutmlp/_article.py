"""The three models of the dropout article, as parameters of the estimator.

The article compares, on Sonar, by 10-fold stratified CV of a
``StandardScaler`` + network pipeline (seed 7, 300 epochs, batch 16), a
60-30-1 ReLU network with ``kernel_initializer="normal"``:

* ``baseline``: SGD, learning rate 0.01, momentum 0.8, no dropout;
* ``visible``: ``Dropout(0.2)`` on the inputs, ``MaxNorm(3)`` on both hidden
  layers, SGD learning rate 0.1, momentum 0.9;
* ``hidden``: ``Dropout(0.2)`` after each hidden layer, ``MaxNorm(3)``, SGD
  learning rate 0.1, momentum 0.9.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported in article_model, so that the names load fast
    from sklearn.pipeline import Pipeline

_COMMON = {
    "hidden_layer_sizes": (60, 30),
    "activation": "relu",
    "kernel_initializer": "normal",
    "optimizer": "sgd",
    "alpha": 0.0,
    "batch_size": 16,
    # The article trains every epoch: no stopping rule on the training loss.
    "n_iter_no_change": math.inf,
}

ARTICLE_MODELS: dict[str, dict] = {
    "baseline": {
        **_COMMON,
        "input_dropout": 0.0,
        "dropout": 0.0,
        "max_norm": None,
        "learning_rate": 0.01,
        "momentum": 0.8,
    },
    "visible": {
        **_COMMON,
        "input_dropout": 0.2,
        "dropout": 0.0,
        "max_norm": 3.0,
        "learning_rate": 0.1,
        "momentum": 0.9,
    },
    "hidden": {
        **_COMMON,
        "input_dropout": 0.0,
        "dropout": 0.2,
        "max_norm": 3.0,
        "learning_rate": 0.1,
        "momentum": 0.9,
    },
}

# Mean and standard deviation of 10-fold CV accuracy (%) the article reports.
ARTICLE_RESULTS: dict[str, tuple[float, float]] = {
    "baseline": (86.04, 4.58),
    "visible": (83.52, 7.68),
    "hidden": (83.59, 7.31),
}


def article_model(
    name: str, *, epochs: int = 300, random_state: int | None = 7, **overrides
) -> Pipeline:
    """``StandardScaler`` + the article's model ``name`` as a pipeline.

    Parameters
    ----------
    name : {"baseline", "visible", "hidden"}
        Which of the article's three models.
    epochs : int, default=300
        Training epochs (the article's 300).
    random_state : int or None, default=7
        Seed of the network (the article's 7).
    **overrides : dict
        Further ``DropoutMLPClassifier`` parameters.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``make_pipeline(StandardScaler(), DropoutMLPClassifier(...))``.

    Examples
    --------
    >>> from dropoutmlp import article_model
    >>> article_model("hidden")[-1].dropout
    0.2
    """
    if name not in ARTICLE_MODELS:
        raise ValueError(
            f"Unknown article model {name!r}; choose from {list(ARTICLE_MODELS)}."
        )
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ._classifier import DropoutMLPClassifier

    params = {**ARTICLE_MODELS[name], "epochs": epochs, "random_state": random_state}
    return make_pipeline(
        StandardScaler(), DropoutMLPClassifier(**{**params, **overrides})
    )
