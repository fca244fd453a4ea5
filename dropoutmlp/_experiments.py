"""The experiments of the command line: cross-validated comparisons and grids.

Functions here take plain values (arrays, names, numbers) and return results;
they print nothing but the progress line.  Every fit of a comparison or a grid
is one task of a single :class:`joblib.Parallel` run over (candidate, fold)
pairs, on the same stratified folds for every candidate.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

#: ``progress(note)`` is called once per finished fit.
ProgressCallback = Callable[[str], None]


@dataclass
class CVScores:
    """Per-fold results of one candidate.

    Attributes
    ----------
    scores : ndarray of shape (n_folds,)
        Test accuracy of each fold, in [0, 1].
    fit_times : ndarray of shape (n_folds,)
        Seconds to fit and score each fold.
    single_class : ndarray of shape (n_folds,)
        True where the fitted model predicted a single class for the whole
        test fold (a network collapsed to a constant).
    learned_rates : ndarray of shape (n_folds, n_layers + 1) or None
        Where the candidate learns dropout rates (``"concrete"``), each fold's
        fitted rates: the inputs' (``input_dropout_``), then each hidden
        layer's (``dropout_``); learned or not.  None for fixed rates.
    """

    scores: np.ndarray
    fit_times: np.ndarray
    single_class: np.ndarray
    learned_rates: np.ndarray | None = None

    @property
    def mean(self) -> float:
        return float(self.scores.mean())

    @property
    def std(self) -> float:
        return float(self.scores.std())

    @property
    def n_single_class(self) -> int:
        return int(self.single_class.sum())

    @property
    def mean_learned_rates(self) -> np.ndarray | None:
        """The learned rates' means over the folds (None for fixed rates)."""
        return None if self.learned_rates is None else self.learned_rates.mean(0)


@dataclass
class GridResult:
    """The candidates of a grid and their :class:`CVScores`, in grid order."""

    params: list[dict]
    results: list[CVScores]
    param_names: list[str] = field(default_factory=list)

    @property
    def means(self) -> np.ndarray:
        return np.array([r.mean for r in self.results])

    @property
    def ranks(self) -> np.ndarray:
        """1 for the best mean accuracy; ties share the lowest rank."""
        means = self.means
        return np.array([1 + int((means > m).sum()) for m in means])

    @property
    def best_index(self) -> int:
        return int(np.argmin(self.ranks))


def _stratified_folds(X, y, folds: int, seed: int) -> list:
    from sklearn.model_selection import StratifiedKFold

    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(cv.split(X, y))


def _fit_and_score(
    estimator, X, y, train, test
) -> tuple[float, float, bool, np.ndarray | None]:
    """Accuracy of a clone of ``estimator`` on one fold, its time, collapse.

    The fourth item is the fitted network's dropout rates (inputs', then each
    hidden layer's) where it learned any, else None.
    """
    from sklearn.base import clone

    start = time.perf_counter()
    model = clone(estimator).fit(X[train], y[train])
    predicted = model.predict(X[test])
    accuracy = float(np.mean(predicted == y[test]))
    single_class = len(np.unique(predicted)) == 1
    network = getattr(model, "_final_estimator", model)
    rates = None
    if network.dropout_curve_ is not None:  # it learned rates
        rates = np.array([network.input_dropout_, *network.dropout_])
    return accuracy, time.perf_counter() - start, single_class, rates


def cross_validate(
    estimators: Sequence,
    X: np.ndarray,
    y: np.ndarray,
    *,
    folds: int = 10,
    seed: int = 7,
    jobs: int = 1,
    labels: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
) -> list[CVScores]:
    """Stratified k-fold accuracy of each estimator, on the same folds.

    Parameters
    ----------
    estimators : sequence of estimators
        Cloned for every fold.
    X, y : ndarray
        The data.
    folds, seed : int
        ``StratifiedKFold(folds, shuffle=True, random_state=seed)``.
    jobs : int
        Parallel processes (joblib's ``n_jobs``).
    labels : sequence of str, optional
        A name of each estimator, for the progress notes.
    progress : callable, optional
        Called with a note (``"hidden fold 3/10: 85.71%"``) after every fit.

    Returns
    -------
    list of CVScores
        In ``estimators`` order.
    """
    from joblib import Parallel, delayed

    splits = _stratified_folds(X, y, folds, seed)
    labels = labels or [f"candidate {i + 1}" for i in range(len(estimators))]
    tasks = list(itertools.product(range(len(estimators)), range(len(splits))))
    outputs = Parallel(n_jobs=jobs, return_as="generator")(
        delayed(_fit_and_score)(estimators[i], X, y, *splits[k]) for i, k in tasks
    )
    table = np.zeros((len(estimators), len(splits), 3))
    learned: dict[int, list] = {}
    for (i, k), (accuracy, seconds, single, rates) in zip(tasks, outputs, strict=True):
        table[i, k] = accuracy, seconds, single
        if rates is not None:
            learned.setdefault(i, [None] * len(splits))[k] = rates
        if progress is not None:
            progress(f"{labels[i]} fold {k + 1}/{folds}: {100 * accuracy:.2f}%")
    return [
        CVScores(
            rows[:, 0],
            rows[:, 1],
            rows[:, 2].astype(bool),
            np.array(learned[i]) if i in learned else None,
        )
        for i, rows in enumerate(table)
    ]


def compare_article_models(
    X: np.ndarray,
    y: np.ndarray,
    models: Sequence[str],
    *,
    folds: int = 10,
    epochs: int = 300,
    seed: int = 7,
    jobs: int = 1,
    progress: ProgressCallback | None = None,
) -> dict[str, CVScores]:
    """Cross-validate the article's models (see :func:`dropoutmlp.article_model`).

    Every network is seeded with ``seed``, the folds too.  Returns
    ``{name: CVScores}`` in ``models`` order.
    """
    from ._article import article_model

    estimators = [article_model(m, epochs=epochs, random_state=seed) for m in models]
    results = cross_validate(
        estimators,
        X,
        y,
        folds=folds,
        seed=seed,
        jobs=jobs,
        labels=list(models),
        progress=progress,
    )
    return dict(zip(models, results, strict=True))


def grid_search(
    X: np.ndarray,
    y: np.ndarray,
    grid: Mapping[str, Sequence],
    *,
    base: str = "hidden",
    folds: int = 10,
    epochs: int = 300,
    seed: int = 7,
    jobs: int = 1,
    progress: ProgressCallback | None = None,
) -> GridResult:
    """Cross-validate every combination of ``grid`` around an article model.

    Parameters
    ----------
    grid : mapping of str to sequence
        ``DropoutMLPClassifier`` parameter names and their values, e.g.
        ``{"input_dropout": [0, 0.2], "dropout": [0, 0.5]}``.  The
        candidates are every combination, the first name varying slowest.
    base : str
        The article model whose other parameters are kept.

    Returns
    -------
    GridResult
    """
    from ._article import article_model

    names = list(grid)
    params = [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(grid[n] for n in names))
    ]
    estimators = [
        article_model(base, epochs=epochs, random_state=seed, **p) for p in params
    ]
    labels = [", ".join(f"{n}={format_value(v)}" for n, v in p.items()) for p in params]
    results = cross_validate(
        estimators,
        X,
        y,
        folds=folds,
        seed=seed,
        jobs=jobs,
        labels=labels,
        progress=progress,
    )
    return GridResult(params, results, names)


def format_value(value) -> str:
    """A parameter value as the command line writes it: ``0.2``, ``60,30``, ``none``."""
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
