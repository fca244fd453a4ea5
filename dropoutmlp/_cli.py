"""The ``dropoutmlp`` command: reproduce the article, grid-search dropout rates.

``python -m dropoutmlp compare`` cross-validates the article's three models;
``python -m dropoutmlp grid`` grid-searches dropout rates (and optionally
max-norm, learning rate, momentum and layer sizes) around one of them.  Both
take the same data and cross-validation options.  Results go to stdout,
progress to stderr; bad arguments end with one line on stderr and exit
status 2.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._article import ARTICLE_MODELS, ARTICLE_RESULTS, article_model
from .datasets import _is_number

BUNDLED = ("breast_cancer", "wine", "digits")
DATASETS = ("sonar", *BUNDLED)
_STEP = "dropoutmlpclassifier"  # make_pipeline's name of the network step
# Estimator parameters the grid command searches (each has an option).
_GRID_PARAMS = (
    "hidden_layer_sizes",
    "input_dropout",
    "dropout",
    "max_norm",
    "learning_rate",
    "momentum",
)


class UsageError(Exception):
    """A bad argument found after parsing (unknown data set, bad CSV, ...)."""


class _Parser(argparse.ArgumentParser):
    """argparse, with errors as one line on stderr and exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


@dataclass
class Dataset:
    """Features, labels and a one-line description of a data set."""

    name: str
    X: np.ndarray
    y: np.ndarray

    @property
    def summary(self) -> str:
        n_classes = len(np.unique(self.y))
        return (
            f"{self.name} ({self.X.shape[0]} samples, {self.X.shape[1]} features, "
            f"{n_classes} classes)"
        )


# --------------------------------------------------------------------------
# Argument types
# --------------------------------------------------------------------------


def _positive_int(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return parse


def _float_in(low: float, high: float | None, *, high_open: bool = True):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        too_high = high is not None and (value >= high if high_open else value > high)
        if not np.isfinite(value) or value < low or too_high:
            bound = "inf" if high is None else f"{high:g}"
            bracket = ")" if high_open else "]"
            raise argparse.ArgumentTypeError(
                f"{text} is not in [{low:g}, {bound}{bracket}"
            )
        return value

    return parse


def _max_norm(text: str) -> float | None:
    if text.lower() == "none":
        return None
    value = _float_in(0.0, None)(text)
    if value == 0:
        raise argparse.ArgumentTypeError("max-norm must be > 0 (or 'none')")
    return value


def _layer_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not comma-separated layer sizes, e.g. 60,30"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: layer sizes must be >= 1")
    return sizes


# --------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------


def _add_common_options(parser: argparse.ArgumentParser, *, epochs: int) -> None:
    data = parser.add_argument_group("data")
    data.add_argument(
        "--data",
        default="breast_cancer",
        metavar="NAME|FILE.csv",
        help=(
            "'sonar' (the article's data: read from the file named by "
            "DROPOUTMLP_SONAR, else downloaded from OpenML into scikit-learn's "
            "cache), scikit-learn's bundled 'breast_cancer', 'wine' or 'digits', "
            "or the path of a CSV file of numeric features and a label column "
            "(a header row is detected). Default: breast_cancer."
        ),
    )
    data.add_argument(
        "--label-column",
        default=None,
        metavar="INDEX|NAME",
        help=(
            "For a CSV file: the label column, as a 0-based index (negative "
            "counts from the end) or a header name. Default: the last column."
        ),
    )
    cv = parser.add_argument_group("cross-validation and training")
    cv.add_argument(
        "--folds",
        type=_positive_int(2),
        default=10,
        help="Stratified, shuffled folds (default: 10).",
    )
    cv.add_argument(
        "--epochs",
        type=_positive_int(1),
        default=epochs,
        help=f"Training epochs of every fit (default: {epochs}).",
    )
    cv.add_argument(
        "--seed",
        type=int,
        default=7,
        help="Seed of the fold split and of every network (default: 7).",
    )
    cv.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="Fits run in parallel processes (default: 1; -1 uses every core).",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="No progress lines on stderr."
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``dropoutmlp`` argument parser, with its two subcommands."""
    from . import __version__

    parser = _Parser(
        prog="dropoutmlp",
        description=(
            "Dropout-regularised Keras MLPs as scikit-learn estimators: "
            "reproduce the dropout article's comparison and grid-search "
            "dropout rates by stratified k-fold cross-validation."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    compare = commands.add_parser(
        "compare",
        help="Cross-validate the article's three models.",
        description=(
            "Cross-validate the dropout article's three models (baseline: no "
            "dropout; visible: dropout 0.2 on the inputs; hidden: dropout 0.2 "
            "after each hidden layer), each a StandardScaler + 60-30 ReLU "
            "network pipeline, and print mean and standard deviation of the "
            "fold accuracies. On 'sonar' the article's figures are shown too."
        ),
        epilog=(
            "Example: python -m dropoutmlp compare --data sonar "
            "(the article's protocol: 10 folds, 300 epochs, seed 7)."
        ),
    )
    _add_common_options(compare, epochs=300)
    compare.add_argument(
        "--models",
        nargs="+",
        choices=list(ARTICLE_MODELS),
        default=list(ARTICLE_MODELS),
        help="Which of the article's models (default: all three).",
    )
    compare.add_argument(
        "--plot",
        metavar="FILE.png",
        type=Path,
        help="Save a box plot of the fold accuracies (needs matplotlib).",
    )
    compare.set_defaults(run=run_compare, parser=compare)

    grid = commands.add_parser(
        "grid",
        help="Grid-search dropout rates (and more) around an article model.",
        description=(
            "GridSearchCV over the input and hidden dropout rates (and, when "
            "given, max-norm, learning rate, momentum and layer sizes) of one "
            "of the article's models, by stratified k-fold cross-validation. "
            "Prints the candidates ranked and the best one."
        ),
        epilog=(
            "Example: python -m dropoutmlp grid --data sonar --input-dropout 0 "
            "0.2 --dropout 0 0.2 0.5 --max-norm 3 4 --out results.csv "
            "--heatmap heatmap.png"
        ),
    )
    _add_common_options(grid, epochs=300)
    grid.add_argument(
        "--base",
        choices=list(ARTICLE_MODELS),
        default="hidden",
        help=(
            "The article's model whose other parameters are kept (default: "
            "hidden, i.e. SGD lr 0.1, momentum 0.9, max-norm 3)."
        ),
    )
    params = grid.add_argument_group("grid (each option takes one or more values)")
    params.add_argument(
        "--input-dropout",
        nargs="+",
        type=_float_in(0.0, 1.0),
        default=[0.0, 0.1, 0.2],
        metavar="RATE",
        help="Dropout rates on the inputs (default: 0 0.1 0.2).",
    )
    params.add_argument(
        "--dropout",
        nargs="+",
        type=_float_in(0.0, 1.0),
        default=[0.0, 0.2, 0.3, 0.5],
        metavar="RATE",
        help="Dropout rates after each hidden layer (default: 0 0.2 0.3 0.5).",
    )
    params.add_argument(
        "--max-norm",
        nargs="+",
        type=_max_norm,
        metavar="LIMIT",
        help="Max-norm limits, or 'none' (default: the base model's).",
    )
    params.add_argument(
        "--learning-rate",
        nargs="+",
        type=_float_in(0.0, None),
        metavar="LR",
        help="Learning rates (default: the base model's).",
    )
    params.add_argument(
        "--momentum",
        nargs="+",
        type=_float_in(0.0, 1.0, high_open=False),
        metavar="M",
        help="SGD momentum values (default: the base model's).",
    )
    params.add_argument(
        "--hidden-layer-sizes",
        nargs="+",
        type=_layer_sizes,
        metavar="N,N",
        help="Hidden layer sizes, e.g. 60,30 120,60 (default: 60,30).",
    )
    out = grid.add_argument_group("output")
    out.add_argument(
        "--out",
        metavar="FILE.csv",
        type=Path,
        help="Write cv_results_ (one row per candidate) as CSV.",
    )
    out.add_argument(
        "--heatmap",
        metavar="FILE.png",
        type=Path,
        help=(
            "Save a heatmap of mean CV accuracy over input dropout x dropout "
            "(needs matplotlib)."
        ),
    )
    grid.set_defaults(run=run_grid, parser=grid)
    return parser


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def _label_index(label_column: str | None, n_columns: int, header) -> int:
    if label_column is None:
        return n_columns - 1
    try:
        index = int(label_column)
    except ValueError:
        if header is None:
            raise UsageError(
                f"--label-column {label_column!r}: the CSV has no header row; "
                "give the column's index"
            ) from None
        names = [name.strip() for name in header]
        if label_column not in names:
            raise UsageError(
                f"--label-column {label_column!r} is not a column of the CSV; "
                f"its columns are {', '.join(names)}"
            ) from None
        return names.index(label_column)
    if not -n_columns <= index < n_columns:
        raise UsageError(
            f"--label-column {index} is out of range: the CSV has {n_columns} "
            f"columns (use 0 to {n_columns - 1}, or -1 to -{n_columns})"
        )
    return index % n_columns


def read_csv(path: Path, label_column: str | None = None) -> Dataset:
    """A CSV file of numeric features and one label column, as a Dataset.

    Parameters
    ----------
    path : Path
        The CSV file.  A first row with fewer numeric fields than the second
        is taken as a header.
    label_column : str or None, default=None
        0-based index (negative counts from the end) or header name of the
        label column; None means the last column.

    Returns
    -------
    Dataset
        Features as float64 and labels as strings.
    """
    with open(path, newline="", encoding="utf-8") as f:
        rows = [
            (line_no, row)
            for line_no, row in enumerate(csv.reader(f), start=1)
            if row and any(field.strip() for field in row)
        ]
    if not rows:
        raise UsageError(f"{path} has no rows")
    header = None
    n_numeric = [sum(map(_is_number, row)) for _, row in rows[:2]]
    if (len(rows) == 1 and n_numeric[0] == 0) or (
        len(rows) > 1 and n_numeric[0] < n_numeric[1]
    ):
        header = rows.pop(0)[1]
    if not rows:
        raise UsageError(f"{path} has a header but no data rows")
    n_columns = len(rows[0][1])
    if n_columns < 2:
        raise UsageError(
            f"{path} has {n_columns} column; it needs features and a label"
        )
    label = _label_index(label_column, n_columns, header)
    features, labels = [], []
    for line_no, row in rows:
        if len(row) != n_columns:
            raise UsageError(
                f"{path}, line {line_no}: {len(row)} columns, expected {n_columns}"
            )
        values = row[:label] + row[label + 1 :]
        try:
            features.append([float(v) for v in values])
        except ValueError:
            bad = next(v for v in values if not _is_number(v))
            raise UsageError(
                f"{path}, line {line_no}: feature {bad!r} is not a number"
            ) from None
        labels.append(row[label].strip())
    X = np.asarray(features, dtype=np.float64)
    if not np.isfinite(X).all():
        raise UsageError(f"{path}: the features hold NaN or infinite values")
    return Dataset(path.name, X, np.asarray(labels))


def load_data(data: str, label_column: str | None = None) -> Dataset:
    """The data set named by ``--data`` and ``--label-column``.

    Parameters
    ----------
    data : str
        ``"sonar"``, ``"breast_cancer"``, ``"wine"``, ``"digits"`` or the
        path of a CSV file (the names win: write ``./wine`` for a file
        called ``wine``).
    label_column : str or None, default=None
        Label column of a CSV file (see :func:`read_csv`).

    Returns
    -------
    Dataset

    Raises
    ------
    UsageError
        Unknown name, missing or malformed file, Sonar unavailable.
    """
    if data in DATASETS:
        if label_column is not None:
            raise UsageError(
                f"--label-column only applies to CSV files, not to {data!r}"
            )
        if data == "sonar":
            from .datasets import load_sonar

            try:
                X, y = load_sonar(return_X_y=True)
            except (OSError, ValueError) as exc:
                raise UsageError(str(exc)) from None
            return Dataset("sonar", X, y)
        from sklearn import datasets as sk_datasets

        X, y = getattr(sk_datasets, f"load_{data}")(return_X_y=True)
        return Dataset(data, X.astype(np.float64), y)
    path = Path(data)
    if path.is_file():
        try:
            return read_csv(path, label_column)
        except UnicodeDecodeError:
            raise UsageError(f"{path} is not a text CSV file") from None
    if path.suffix or len(path.parts) > 1:
        raise UsageError(f"--data: file {data!r} does not exist")
    raise UsageError(
        f"--data: unknown data set {data!r}; choose one of {', '.join(DATASETS)} "
        "or give the path of a CSV file"
    )


def _check_folds(dataset: Dataset, folds: int) -> None:
    labels, counts = np.unique(dataset.y, return_counts=True)
    if len(labels) < 2:
        raise UsageError(f"{dataset.name} has a single class ({str(labels[0])!r})")
    if counts.min() < folds:
        raise UsageError(
            f"--folds {folds} is more than the {counts.min()} rows of the "
            f"smallest class ({str(labels[counts.argmin()])!r}) of {dataset.name}"
        )


def _check_output(path: Path | None, option: str, *, plot: bool = False) -> None:
    if path is None:
        return
    if not path.parent.is_dir():
        raise UsageError(f"{option}: folder {str(path.parent)!r} does not exist")
    if plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise UsageError(
                f"{option} needs matplotlib: pip install matplotlib"
            ) from None


def _progress(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def _cv(folds: int, seed: int):
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)


def _protocol(args) -> str:
    return (
        f"{args.folds}-fold stratified CV (shuffled, seed {args.seed}), "
        f"{args.epochs} epochs, StandardScaler + network"
    )


def _new_figure():
    """A matplotlib Figure that does not touch pyplot's global state."""
    from matplotlib.figure import Figure

    return Figure(figsize=(6.4, 4.8), layout="constrained")


# --------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------


def _fit_and_score(name, epochs, seed, X, y, train, test) -> tuple[float, float]:
    """Accuracy of the article model ``name`` on one fold, and its time."""
    start = time.perf_counter()
    model = article_model(name, epochs=epochs, random_state=seed)
    model.fit(X[train], y[train])
    score = float(model.score(X[test], y[test]))
    return score, time.perf_counter() - start


def compare_models(
    dataset: Dataset,
    models: Sequence[str],
    *,
    folds: int = 10,
    epochs: int = 300,
    seed: int = 7,
    jobs: int = 1,
    quiet: bool = False,
) -> dict[str, dict]:
    """Fold accuracies and times of the article's models on ``dataset``.

    Parameters
    ----------
    dataset : Dataset
        The data.
    models : sequence of str
        Names of article models.
    folds, epochs, seed, jobs : int
        Stratified folds, epochs, seed of folds and networks, parallel jobs.
    quiet : bool
        No progress lines on stderr.

    Returns
    -------
    dict
        ``{name: {"scores": ndarray, "time": float}}``, in ``models`` order.
    """
    from joblib import Parallel, delayed

    splits = list(_cv(folds, seed).split(dataset.X, dataset.y))
    tasks = [
        (name, k, train, test)
        for name in models
        for k, (train, test) in enumerate(splits)
    ]
    results = {name: {"scores": [], "time": 0.0} for name in models}
    outputs = Parallel(n_jobs=jobs, return_as="generator")(
        delayed(_fit_and_score)(name, epochs, seed, dataset.X, dataset.y, tr, te)
        for name, _, tr, te in tasks
    )
    for (name, k, _, _), (score, seconds) in zip(tasks, outputs, strict=True):
        results[name]["scores"].append(score)
        results[name]["time"] += seconds
        _progress(
            quiet,
            f"{name:<8} fold {k + 1:>2}/{folds}: {100 * score:6.2f}% ({seconds:.1f} s)",
        )
    for result in results.values():
        result["scores"] = np.asarray(result["scores"])
    return results


def _compare_table(results: dict[str, dict], show_article: bool) -> str:
    header = f"{'model':<10}{'mean %':>8}{'std %':>8}{'time s':>9}"
    if show_article:
        header += f"{'article %':>16}"
    lines = [header, "-" * len(header)]
    for name, result in results.items():
        scores = 100 * result["scores"]
        line = (
            f"{name:<10}{scores.mean():>8.2f}{scores.std():>8.2f}{result['time']:>9.1f}"
        )
        if show_article:
            mean, std = ARTICLE_RESULTS[name]
            line += f"{mean:>9.2f} ({std:.2f})"
        lines.append(line)
    return "\n".join(lines)


def _box_plot(results, dataset: Dataset, args, show_article: bool) -> None:
    fig = _new_figure()
    ax = fig.add_subplot()
    names = list(results)
    positions = np.arange(1, len(names) + 1)
    ax.boxplot([100 * results[n]["scores"] for n in names], positions=positions)
    ax.set_xticks(positions, names)
    if show_article:
        ax.scatter(
            positions,
            [ARTICLE_RESULTS[n][0] for n in names],
            marker="D",
            color="tab:red",
            zorder=3,
            label="article's mean",
        )
        ax.legend(loc="lower right")
    ax.set_ylabel("fold accuracy (%)")
    ax.set_title(f"{dataset.name}: {args.folds}-fold CV, {args.epochs} epochs")
    fig.savefig(args.plot, dpi=100)


def run_compare(args) -> int:
    """``dropoutmlp compare``: the article's table on ``--data``."""
    _check_output(args.plot, "--plot", plot=True)
    dataset = load_data(args.data, args.label_column)
    _check_folds(dataset, args.folds)
    models = list(dict.fromkeys(args.models))
    show_article = dataset.name == "sonar"
    _progress(
        args.quiet,
        f"Cross-validating {', '.join(models)} on {dataset.summary}: "
        f"{args.folds} folds x {len(models)} models",
    )
    results = compare_models(
        dataset,
        models,
        folds=args.folds,
        epochs=args.epochs,
        seed=args.seed,
        jobs=args.jobs,
        quiet=args.quiet,
    )
    print(f"Data: {dataset.summary}")
    print(_protocol(args))
    print("Accuracy: mean and standard deviation over the folds")
    print()
    print(_compare_table(results, show_article))
    if args.plot is not None:
        _box_plot(results, dataset, args, show_article)
        print(f"\nBox plot saved to {args.plot}")
    return 0


# --------------------------------------------------------------------------
# grid
# --------------------------------------------------------------------------


def _format_value(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _param_grid(args) -> dict[str, list]:
    grid = {}
    for param in _GRID_PARAMS:
        values = getattr(args, param)
        if values is not None:
            grid[param] = list(dict.fromkeys(values))
    return grid


def _write_cv_results(cv_results: dict, path: Path) -> None:
    columns = [key for key in cv_results if key != "params"]
    names = [key.replace(f"param_{_STEP}__", "param_") for key in columns]
    n_rows = len(cv_results["params"])
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        for i in range(n_rows):
            row = []
            for key in columns:
                value = cv_results[key][i]
                if np.ma.is_masked(value):
                    value = ""
                elif isinstance(value, np.generic):
                    value = value.item()
                if key.startswith("param_"):
                    value = _format_value(value)
                elif isinstance(value, float):
                    value = repr(value)
                row.append(value)
            writer.writerow(row)


def _grid_table(search, params: list[str]) -> str:
    res = search.cv_results_
    order = np.argsort(res["rank_test_score"], kind="stable")
    widths = [max(len(p), 6) for p in params]
    header = f"{'rank':>4}  " + "  ".join(
        f"{p:>{w}}" for p, w in zip(params, widths, strict=True)
    )
    header += f"{'mean %':>9}{'std %':>8}{'fit s':>8}"
    lines = [header, "-" * len(header)]
    for i in order:
        cells = "  ".join(
            f"{_format_value(res['params'][i][f'{_STEP}__{p}']):>{w}}"
            for p, w in zip(params, widths, strict=True)
        )
        lines.append(
            f"{res['rank_test_score'][i]:>4}  {cells}"
            f"{100 * res['mean_test_score'][i]:>9.2f}"
            f"{100 * res['std_test_score'][i]:>8.2f}"
            f"{res['mean_fit_time'][i]:>8.2f}"
        )
    return "\n".join(lines)


def _heatmap(search, grid: dict, args, dataset: Dataset) -> None:
    res = search.cv_results_
    rows, cols = grid["input_dropout"], grid["dropout"]
    scores = np.full((len(rows), len(cols)), np.nan)
    for params, score in zip(res["params"], res["mean_test_score"], strict=True):
        i = rows.index(params[f"{_STEP}__input_dropout"])
        j = cols.index(params[f"{_STEP}__dropout"])
        scores[i, j] = np.fmax(scores[i, j], 100 * score)
    from matplotlib.patches import Rectangle

    fig = _new_figure()
    ax = fig.add_subplot()
    image = ax.imshow(scores, cmap="viridis", origin="lower", aspect="auto")
    low, high = np.nanmin(scores), np.nanmax(scores)
    for i in range(len(rows)):
        for j in range(len(cols)):
            # Dark text on the bright (high) end of viridis, light on the dark.
            bright = high > low and (scores[i, j] - low) / (high - low) > 0.6
            ax.text(
                j,
                i,
                f"{scores[i, j]:.1f}",
                ha="center",
                va="center",
                color="black" if bright else "white",
            )
    best_i, best_j = np.unravel_index(np.nanargmax(scores), scores.shape)
    ax.add_patch(
        Rectangle(
            (best_j - 0.5, best_i - 0.5), 1, 1, fill=False, edgecolor="red", lw=2.5
        )
    )
    ax.set_xticks(range(len(cols)), [f"{c:g}" for c in cols])
    ax.set_yticks(range(len(rows)), [f"{r:g}" for r in rows])
    ax.set_xlabel("dropout (after each hidden layer)")
    ax.set_ylabel("input_dropout")
    others = [p for p in grid if p not in ("input_dropout", "dropout")]
    others = [p for p in others if len(grid[p]) > 1]
    title = f"{dataset.name}: mean {args.folds}-fold CV accuracy (%)"
    if others:
        title += f"\nbest over {', '.join(others)}"
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="accuracy (%)")
    fig.savefig(args.heatmap, dpi=100)


def run_grid(args) -> int:
    """``dropoutmlp grid``: GridSearchCV of dropout rates on ``--data``."""
    from sklearn.model_selection import GridSearchCV

    _check_output(args.out, "--out")
    _check_output(args.heatmap, "--heatmap", plot=True)
    dataset = load_data(args.data, args.label_column)
    _check_folds(dataset, args.folds)
    grid = _param_grid(args)
    estimator = article_model(args.base, epochs=args.epochs, random_state=args.seed)
    n_candidates = int(np.prod([len(v) for v in grid.values()]))
    _progress(
        args.quiet,
        f"Grid search around the article's {args.base!r} model on "
        f"{dataset.summary}: {n_candidates} candidates x {args.folds} folds",
    )
    verbose = 0 if args.quiet else (3 if args.jobs == 1 else 1)
    search = GridSearchCV(
        estimator,
        {f"{_STEP}__{p}": v for p, v in grid.items()},
        cv=_cv(args.folds, args.seed),
        n_jobs=args.jobs,
        verbose=verbose,
        error_score="raise",
    )
    start = time.perf_counter()
    with redirect_stdout(sys.stderr):
        search.fit(dataset.X, dataset.y)
    elapsed = time.perf_counter() - start

    params = list(grid)
    best = search.best_params_
    print(f"Data: {dataset.summary}")
    print(_protocol(args) + f"; base model: the article's {args.base!r}")
    print(
        f"{n_candidates} candidates x {args.folds} folds in {elapsed:.1f} s "
        "(fit s: mean time of one fit)"
    )
    print()
    print(_grid_table(search, params))
    print()
    described = ", ".join(f"{p}={_format_value(best[f'{_STEP}__{p}'])}" for p in params)
    index = search.best_index_
    print(
        f"Best: {described}: {100 * search.best_score_:.2f}% "
        f"(std {100 * search.cv_results_['std_test_score'][index]:.2f}%)"
    )
    if dataset.name == "sonar":
        mean, std = ARTICLE_RESULTS["baseline"]
        print(f"The article's baseline on Sonar: {mean:.2f}% (std {std:.2f}%)")
    if args.out is not None:
        _write_cv_results(search.cv_results_, args.out)
        print(f"cv_results_ written to {args.out}")
    if args.heatmap is not None:
        _heatmap(search, grid, args, dataset)
        print(f"Heatmap saved to {args.heatmap}")
    return 0


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``dropoutmlp`` command line.

    Parameters
    ----------
    argv : sequence of str, default=None
        The arguments, without the program name; None reads ``sys.argv``.

    Returns
    -------
    int
        Exit status 0.  Bad arguments raise ``SystemExit(2)`` after one line
        on stderr.

    Examples
    --------
    >>> from dropoutmlp.__main__ import main
    >>> main(["compare", "--data", "wine", "--folds", "3", "--epochs", "20"])
    ... # doctest: +SKIP
    Data: wine (178 samples, 13 features, 3 classes)
    ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        args.parser.error(str(exc))
    return 2  # pragma: no cover - parser.error exits
