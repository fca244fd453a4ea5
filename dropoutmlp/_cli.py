"""The ``dropoutmlp`` command: reproduce the article, grid-search dropout rates.

``python -m dropoutmlp compare`` cross-validates the article's three models;
``python -m dropoutmlp grid`` grid-searches dropout rates (and optionally
max-norm, learning rate, momentum and layer sizes) around one of them.  Both
take the same data and cross-validation options.  Results go to stdout,
progress to stderr; bad arguments end with one line on stderr and exit
status 2.

This module is the command line only: it parses the arguments, quiets
TensorFlow's start-up messages in the command's own process (``-v`` shows
them), and hands plain values to :mod:`dropoutmlp.datasets`,
:mod:`dropoutmlp._experiments`, :mod:`dropoutmlp._reports` and
:mod:`dropoutmlp._figures`.  Parsing imports neither scikit-learn nor
TensorFlow, so ``--help``, ``--version`` and argument errors answer at once.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from ._article import ARTICLE_MODELS, ARTICLE_RESULTS

# The rate value that learns the rate: ``_validation.CONCRETE``, written out
# because importing that module imports Keras (and the command answers
# ``--help`` and argument errors without it).
CONCRETE = "concrete"

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
        if not math.isfinite(value) or value < low or too_high:
            bound = "inf" if high is None else f"{high:g}"
            bracket = ")" if high_open else "]"
            raise argparse.ArgumentTypeError(
                f"{text} is not in [{low:g}, {bound}{bracket}"
            )
        return value

    return parse


def _rate(text: str) -> float | str:
    """A dropout rate in [0, 1), or ``concrete`` (learned in every fit)."""
    if text.lower() == CONCRETE:
        return CONCRETE
    try:
        return _float_in(0.0, 1.0)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a number in [0, 1) nor '{CONCRETE}'"
        ) from None


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
    _add_process_options(parser)


def _add_process_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of this process's output and compile cache."""
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="No progress line on stderr."
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="Show TensorFlow's own log messages (hidden by default).",
    )
    parser.add_argument(
        "--no-compile-cache",
        action="store_true",
        help=(
            "Do not keep compiled training programs for later runs (kept by "
            "default in the folder `dropoutmlp --version` names; "
            "DROPOUTMLP_COMPILE_CACHE=off does the same, or names another "
            "folder)."
        ),
    )


def _add_compare_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand and its options to ``commands``."""
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
    compare.add_argument(
        "--out",
        metavar="FILE.csv",
        type=Path,
        help="Write every model's fold accuracies as CSV.",
    )
    compare.set_defaults(run=run_compare, parser=compare)


def _add_grid_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``grid`` subcommand and its options to ``commands``."""
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
    _add_grid_value_options(grid)
    _add_grid_output_options(grid)
    grid.set_defaults(run=run_grid, parser=grid)


def _add_grid_value_options(grid: argparse.ArgumentParser) -> None:
    """Add the ``grid`` options that list the values searched, one per parameter."""
    params = grid.add_argument_group("grid (each option takes one or more values)")
    params.add_argument(
        "--input-dropout",
        nargs="+",
        type=_rate,
        default=[0.0, 0.1, 0.2],
        metavar="RATE",
        help=(
            "Dropout rates on the inputs, or 'concrete' to learn the rate in "
            "each fit (default: 0 0.1 0.2)."
        ),
    )
    params.add_argument(
        "--dropout",
        nargs="+",
        type=_rate,
        default=[0.0, 0.2, 0.3, 0.5],
        metavar="RATE",
        help=(
            "Dropout rates after each hidden layer, or 'concrete' to learn them "
            "in each fit (default: 0 0.2 0.3 0.5)."
        ),
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


def _add_grid_output_options(grid: argparse.ArgumentParser) -> None:
    """Add the ``grid`` options naming its output files (``--out``, ``--heatmap``)."""
    out = grid.add_argument_group("output")
    out.add_argument(
        "--out",
        metavar="FILE.csv",
        type=Path,
        help=(
            "Write one row per candidate as CSV, with scikit-learn's "
            "cv_results_ column names."
        ),
    )
    out.add_argument(
        "--heatmap",
        metavar="FILE.png",
        type=Path,
        help=(
            "Save a heatmap of mean CV accuracy over input dropout x dropout "
            "(needs matplotlib): a red frame marks the best cell, hatching the "
            "candidates that predicted a single class on some fold."
        ),
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
    from ._process import compile_cache_dir

    cache = compile_cache_dir()
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__} (compile cache: {cache or 'off'})",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_compare_parser(commands)
    _add_grid_parser(commands)
    return parser


# --------------------------------------------------------------------------
# TensorFlow's start-up messages
# --------------------------------------------------------------------------

# TensorFlow's C++ (absl) log lines: "I0000 00:00:1795626938.534591 5365
# port.cc:153] ...", absl's notice about them, and the continuation line of
# the CPU-instructions message.
_TF_LOG_LINE = re.compile(
    rb"^([IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.]+:\d+\] "
    rb"|WARNING: All log messages before absl::InitializeLog\(\) "
    rb"|To enable the following instructions: )"
)


def _quiet_tensorflow() -> None:
    """Import TensorFlow in this process without its C++ start-up messages.

    ``TF_CPP_MIN_LOG_LEVEL=3`` silences TensorFlow's C++ logging once it is
    set up (the "failed call to cuInit" error included), but the lines it
    writes while its libraries load ("oneDNN custom operations are on",
    "Could not find cuda drivers", absl's "All log messages before
    absl::InitializeLog()") go straight to file descriptor 2 whatever the
    setting.  So the import runs with descriptor 2 sent to a temporary file,
    whose lines are then written to stderr except TensorFlow's own.  The
    command line does this in its own process only; the library never
    touches the environment or the standard streams.
    """
    if "tensorflow" in sys.modules:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 (e.g. a GUI process): nothing to hide
        import tensorflow  # noqa: F401

        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured:
                if not _TF_LOG_LINE.match(line):
                    sys.stderr.write(line.decode(errors="replace"))
            sys.stderr.flush()


# --------------------------------------------------------------------------
# Running the commands
# --------------------------------------------------------------------------


def _summary(name: str, X, y) -> str:
    import numpy as np

    return (
        f"{name} ({X.shape[0]} samples, {X.shape[1]} features, "
        f"{len(np.unique(y))} classes)"
    )


def _load(data: str, label_column: str | None):
    """``(name, X, y)`` of ``--data``; problems become a UsageError."""
    from .datasets import load_dataset

    try:
        return load_dataset(data, label_column)
    except (OSError, ValueError) as exc:
        message = str(exc)
        if label_column is not None:
            message = message.replace("label column", "--label-column")
        raise UsageError(f"--data: {message}") from None


def _check_folds(name: str, y, folds: int) -> None:
    import numpy as np

    labels, counts = np.unique(y, return_counts=True)
    if len(labels) < 2:
        raise UsageError(f"{name} has a single class ({str(labels[0])!r})")
    if counts.min() < folds:
        raise UsageError(
            f"--folds {folds} is more than the {counts.min()} rows of the "
            f"smallest class ({str(labels[counts.argmin()])!r}) of {name}"
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


def _copy_lines(source: int, target: int) -> None:
    """Copy lines from descriptor ``source`` to ``target``, but TensorFlow's."""
    with os.fdopen(source, "rb") as lines, os.fdopen(target, "wb", 0) as out:
        for line in lines:
            if not _TF_LOG_LINE.match(line):
                out.write(line)


@contextlib.contextmanager
def _stderr_without_tensorflow_lines():
    """File descriptor 2 as a pipe whose lines reach stderr, TensorFlow's aside.

    For ``--jobs`` other than 1: the worker processes import TensorFlow too,
    and inherit this process's stderr, so they are started with the pipe as
    theirs; a thread copies its lines to the real stderr.  Yields a stream on
    the real stderr, for the progress line.  The workers outlive the block
    (joblib reuses them), and the thread serves them until they exit.
    """
    sys.stderr.flush()
    try:
        real = os.dup(2)
    except OSError:  # no file descriptor 2: nothing to filter
        yield sys.stderr
        return
    source, sink = os.pipe()
    os.dup2(sink, 2)
    os.close(sink)
    threading.Thread(target=_copy_lines, args=(source, real), daemon=True).start()
    stream = os.fdopen(os.dup(real), "w", buffering=1)
    try:
        yield stream
    finally:
        stream.close()
        sys.stderr.flush()
        os.dup2(real, 2)


@contextlib.contextmanager
def _fits(args, total: int):
    """TensorFlow, quietly unless ``-v``, and the progress line of the fits."""
    from ._progress import Progress

    if args.verbose:
        yield Progress(total, "fits", enabled=not args.quiet)
        return
    _quiet_tensorflow()
    if args.jobs == 1:
        yield Progress(total, "fits", enabled=not args.quiet)
        return
    with _stderr_without_tensorflow_lines() as stderr:
        yield Progress(total, "fits", stream=stderr, enabled=not args.quiet)


def _note(args, message: str) -> None:
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


def run_compare(args) -> int:
    """``dropoutmlp compare``: the article's table on ``--data``."""
    from . import _experiments, _reports

    _check_output(args.plot, "--plot", plot=True)
    _check_output(args.out, "--out")
    name, X, y = _load(args.data, args.label_column)
    _check_folds(name, y, args.folds)
    models = list(dict.fromkeys(args.models))
    article = ARTICLE_RESULTS if name == "sonar" else None
    summary = _summary(name, X, y)
    _note(
        args,
        f"Cross-validating {', '.join(models)} on {summary}: "
        f"{args.folds} folds x {len(models)} models",
    )
    with _fits(args, args.folds * len(models)) as progress:
        results = _experiments.compare_article_models(
            X,
            y,
            models,
            folds=args.folds,
            epochs=args.epochs,
            seed=args.seed,
            jobs=args.jobs,
            progress=progress.update,
        )
    print(
        _reports.compare_report(
            summary,
            results,
            folds=args.folds,
            epochs=args.epochs,
            seed=args.seed,
            article=article,
        )
    )
    print(f"Versions: {_reports.versions()}")
    if args.out is not None:
        _reports.write_compare_csv(results, args.out)
        print(f"Fold accuracies written to {args.out}")
    if args.plot is not None:
        from ._figures import compare_box_plot

        fig = compare_box_plot(
            {m: 100 * r.scores for m, r in results.items()},
            title=f"{name}: {args.folds}-fold CV, {args.epochs} epochs",
            article_means=None
            if article is None
            else {m: article[m][0] for m in models},
        )
        fig.savefig(args.plot, dpi=100)
        print(f"Box plot saved to {args.plot}")
    return 0


def _save_heatmap(
    path: Path, result, grid: dict[str, list], *, name: str, folds: int
) -> None:
    """Save the heatmap of a ``GridResult``'s mean CV accuracies to ``path``.

    A cell is a pair of input and hidden dropout rates; where other
    parameters of ``grid`` take several values, it shows the best candidate
    over them, and the title names them.
    """
    from ._figures import grid_cells, grid_heatmap

    rows, cols, scores, flags = grid_cells(
        result.params,
        100 * result.means,
        [r.n_single_class > 0 for r in result.results],
    )
    others = [p for p in grid if p not in ("input_dropout", "dropout")]
    others = [p for p in others if len(grid[p]) > 1]
    title = f"{name}: mean {folds}-fold CV accuracy (%)"
    if others:
        title += f"\nbest over {', '.join(others)}"
    fig = grid_heatmap(rows, cols, scores, flags, title=title)
    fig.savefig(path, dpi=100)


def run_grid(args) -> int:
    """``dropoutmlp grid``: cross-validated grid of dropout rates on ``--data``."""
    from . import _experiments, _reports

    grid = {
        p: list(dict.fromkeys(getattr(args, p)))
        for p in _GRID_PARAMS
        if getattr(args, p) is not None
    }
    _check_output(args.out, "--out")
    _check_output(args.heatmap, "--heatmap", plot=True)
    name, X, y = _load(args.data, args.label_column)
    _check_folds(name, y, args.folds)
    n_candidates = math.prod(len(v) for v in grid.values())
    summary = _summary(name, X, y)
    _note(
        args,
        f"Grid search around the article's {args.base!r} model on {summary}: "
        f"{n_candidates} candidates x {args.folds} folds",
    )
    with _fits(args, n_candidates * args.folds) as progress:
        start = time.perf_counter()
        result = _experiments.grid_search(
            X,
            y,
            grid,
            base=args.base,
            folds=args.folds,
            epochs=args.epochs,
            seed=args.seed,
            jobs=args.jobs,
            progress=progress.update,
        )
        elapsed = time.perf_counter() - start
    print(
        _reports.grid_report(
            summary,
            result,
            folds=args.folds,
            epochs=args.epochs,
            seed=args.seed,
            base=args.base,
            elapsed=elapsed,
            article_baseline=ARTICLE_RESULTS["baseline"] if name == "sonar" else None,
        )
    )
    print(f"Versions: {_reports.versions()}")
    if args.out is not None:
        _reports.write_grid_csv(result, args.out)
        print(f"Results written to {args.out}")
    if args.heatmap is not None:
        _save_heatmap(args.heatmap, result, grid, name=name, folds=args.folds)
        print(f"Heatmap saved to {args.heatmap}")
    return 0


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def _configure_process(args) -> None:
    """This process's settings (the command line owns it): the compile cache
    unless ``--no-compile-cache``, and one intra-op thread for each worker of
    parallel fits (they share the cores)."""
    from ._process import configure_processes

    configure_processes(
        compile_cache=not args.no_compile_cache,
        worker_threads=None if args.jobs == 1 else 1,
    )


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
    _configure_process(args)
    try:
        return args.run(args)
    except UsageError as exc:
        args.parser.error(str(exc))
    return 2  # pragma: no cover - parser.error exits
