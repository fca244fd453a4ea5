"""Text and CSV reports of the command line's results.

The text reports are what ``python -m dropoutmlp compare`` and ``grid`` print;
the documentation includes them as they are.  Every line that holds a
measured time starts with ``Time:`` and the line of package versions with
``Versions:``, so that a results file can be compared with a fresh run on
everything else.
"""

from __future__ import annotations

import csv
import platform
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ._experiments import CVScores, GridResult, format_value
from ._progress import format_duration

SINGLE_CLASS_NOTE = (
    '"single class on k/n folds": on k of the n folds the network predicted '
    "one class for the whole test fold (it collapsed to a constant, such as "
    "the majority class)."
)


def versions() -> str:
    """The versions that produce the figures: package, TensorFlow, Keras, ..."""
    import keras
    import sklearn
    import tensorflow as tf

    from . import __version__

    return (
        f"dropoutmlp {__version__}, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}, scikit-learn {sklearn.__version__}, "
        f"NumPy {np.__version__}, Python {platform.python_version()}"
    )


def protocol(folds: int, epochs: int, seed: int) -> str:
    return (
        f"{folds}-fold stratified CV (shuffled, seed {seed}), "
        f"{epochs} epochs, StandardScaler + network"
    )


def _flag(result: CVScores) -> str:
    n = result.n_single_class
    return f"single class on {n}/{len(result.scores)} folds" if n else ""


def compare_report(
    summary: str,
    results: Mapping[str, CVScores],
    *,
    folds: int,
    epochs: int,
    seed: int,
    article: Mapping[str, tuple[float, float]] | None = None,
) -> str:
    """What ``compare`` prints: the data, the protocol, the table, times."""
    header = f"{'model':<10}{'mean %':>8}{'std %':>8}"
    if article is not None:
        header += f"{'article %':>16}"
    lines = [
        f"Data: {summary}",
        protocol(folds, epochs, seed),
        "Accuracy: mean and standard deviation over the folds",
        "",
        header,
        "-" * len(header),
    ]
    for name, result in results.items():
        line = f"{name:<10}{100 * result.mean:>8.2f}{100 * result.std:>8.2f}"
        if article is not None:
            mean, std = article[name]
            line += f"{mean:>9.2f} ({std:.2f})"
        if _flag(result):
            line += f"  {_flag(result)}"
        lines.append(line)
    if any(r.n_single_class for r in results.values()):
        lines += ["", SINGLE_CLASS_NOTE]
    total = sum(float(r.fit_times.sum()) for r in results.values())
    per_model = ", ".join(
        f"{name} {format_duration(float(r.fit_times.sum()))}"
        for name, r in results.items()
    )
    lines += [
        "",
        f"Time: {folds} fits per model: {per_model}; "
        f"{format_duration(total)} of fitting in all",
    ]
    return "\n".join(lines)


def grid_report(
    summary: str,
    grid: GridResult,
    *,
    folds: int,
    epochs: int,
    seed: int,
    base: str,
    elapsed: float,
    article_baseline: tuple[float, float] | None = None,
) -> str:
    """What ``grid`` prints: the candidates ranked, the best, flags, time."""
    names = grid.param_names
    widths = [max(len(n), 6) for n in names]
    header = (
        f"{'rank':>4}  "
        + "  ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True))
        + f"{'mean %':>9}{'std %':>8}"
    )
    lines = [
        f"Data: {summary}",
        protocol(folds, epochs, seed) + f"; base model: the article's {base!r}",
        f"{len(grid.params)} candidates x {folds} folds",
        "",
        header,
        "-" * len(header),
    ]
    ranks = grid.ranks
    for i in np.argsort(ranks, kind="stable"):
        result = grid.results[i]
        cells = "  ".join(
            f"{format_value(grid.params[i][n]):>{w}}"
            for n, w in zip(names, widths, strict=True)
        )
        line = (
            f"{ranks[i]:>4}  {cells}{100 * result.mean:>9.2f}{100 * result.std:>8.2f}"
        )
        if _flag(result):
            line += f"  {_flag(result)}"
        lines.append(line)
    if any(r.n_single_class for r in grid.results):
        lines += ["", SINGLE_CLASS_NOTE]
    learning = [
        (params, r.mean_learned_rates)
        for params, r in zip(grid.params, grid.results, strict=True)
        if r.learned_rates is not None
    ]
    if learning:
        lines += ["", "Learned dropout rates (mean over folds):"]
        for params, means in learning:
            inputs, *hidden = (f"{rate:.2f}" for rate in means)
            lines.append(
                f"  {_described(params)}: inputs {inputs}, hidden {', '.join(hidden)}"
            )
    best = grid.best_index
    result = grid.results[best]
    lines += [
        "",
        f"Best: {_described(grid.params[best])}: {100 * result.mean:.2f}% "
        f"(std {100 * result.std:.2f}%)",
    ]
    if article_baseline is not None:
        mean, std = article_baseline
        lines.append(f"The article's baseline on Sonar: {mean:.2f}% (std {std:.2f}%)")
    n_fits = len(grid.params) * folds
    lines += [
        "",
        f"Time: {n_fits} fits in {format_duration(elapsed)} "
        f"({format_duration(elapsed / n_fits)} per fit)",
    ]
    return "\n".join(lines)


def _described(params: dict) -> str:
    return ", ".join(f"{n}={format_value(v)}" for n, v in params.items())


def _write_rows(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _score_cells(result: CVScores) -> list:
    return [
        *(repr(float(s)) for s in result.scores),
        repr(result.mean),
        repr(result.std),
    ]


def _score_columns(n_folds: int) -> list[str]:
    return [
        *(f"split{k}_test_score" for k in range(n_folds)),
        "mean_test_score",
        "std_test_score",
    ]


def write_compare_csv(results: Mapping[str, CVScores], path: Path) -> None:
    """One row per model: fold accuracies, mean, std, single-class folds, time."""
    n_folds = len(next(iter(results.values())).scores)
    header = ["model", *_score_columns(n_folds), "single_class_folds", "mean_fit_time"]
    rows = [
        [name, *_score_cells(r), r.n_single_class, repr(float(r.fit_times.mean()))]
        for name, r in results.items()
    ]
    _write_rows(path, header, rows)


def write_grid_csv(grid: GridResult, path: Path) -> None:
    """One row per candidate, with scikit-learn's ``cv_results_`` column names.

    Where some candidate learns its rates, two more columns hold each such
    candidate's mean learned rates (the inputs', and the hidden layers'
    comma-separated); they are empty for the other candidates.
    """
    n_folds = len(grid.results[0].scores)
    learning = any(r.learned_rates is not None for r in grid.results)
    header = [
        *(f"param_{n}" for n in grid.param_names),
        *_score_columns(n_folds),
        "rank_test_score",
        "single_class_folds",
        "mean_fit_time",
        "std_fit_time",
    ]
    if learning:
        header += ["mean_learned_input_dropout", "mean_learned_dropout"]
    rows = []
    for p, r, rank in zip(grid.params, grid.results, grid.ranks, strict=True):
        row = [
            *(format_value(p[n]) for n in grid.param_names),
            *_score_cells(r),
            int(rank),
            r.n_single_class,
            repr(float(r.fit_times.mean())),
            repr(float(r.fit_times.std())),
        ]
        if learning:
            rates = ["", ""]
            if r.learned_rates is not None:
                inputs, *hidden = (repr(float(v)) for v in r.mean_learned_rates)
                rates = [inputs, ",".join(hidden)]
            row += rates
        rows.append(row)
    _write_rows(path, header, rows)
