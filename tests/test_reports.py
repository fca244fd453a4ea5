"""Tests of the command line's progress line, text reports and figures."""

import io
import re

import numpy as np
import pytest

from dropoutmlp._experiments import CVScores, GridResult
from dropoutmlp._figures import compare_box_plot, grid_cells, grid_heatmap
from dropoutmlp._progress import Progress, format_duration
from dropoutmlp._reports import compare_report, grid_report, write_grid_csv


def _scores(accuracies, single=None):
    accuracies = np.asarray(accuracies, dtype=float)
    single = np.zeros(len(accuracies), bool) if single is None else np.asarray(single)
    return CVScores(accuracies, np.full(len(accuracies), 0.5), single)


@pytest.mark.parametrize(
    "seconds, text",
    [(0.04, "0.0 s"), (8.24, "8.2 s"), (42.4, "42 s"), (185, "3 min 05 s")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_progress_in_a_log_prints_about_ten_lines():
    stream = io.StringIO()
    progress = Progress(40, "fits", stream=stream)
    for k in range(40):
        progress.update(f"fit {k + 1}")
    lines = stream.getvalue().splitlines()
    assert 10 <= len(lines) <= 11
    assert lines[0].startswith("fits  1/40   2% | ") and "ETA" in lines[0]
    assert lines[-1].startswith("fits 40/40 100% | ") and lines[-1].endswith("fit 40")
    assert "ETA" not in lines[-1]
    for line in lines:
        assert re.match(
            r"fits +\d+/40 +\d+% \| [\d.]+ s( \| ETA [\d.]+ s)? \| fit \d+$", line
        )


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_rewrites_one_line():
    stream = _Terminal()
    progress = Progress(3, "fits", stream=stream)
    for note in ("a long note", "b", "c"):
        progress.update(note)
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1 and text.endswith("\n")
    # A shorter line blanks out the rest of the longer one before it.
    second = text.split("\r")[2]
    assert len(second) >= len(text.split("\r")[1])


def test_progress_disabled_prints_nothing():
    stream = io.StringIO()
    progress = Progress(3, "fits", stream=stream, enabled=False)
    progress.update()
    assert stream.getvalue() == "" and progress.done == 1


def test_compare_report_flags_single_class_models():
    results = {
        "baseline": _scores([0.9, 0.8]),
        "hidden": _scores([0.55, 0.5], single=[True, False]),
    }
    text = compare_report("toy", results, folds=2, epochs=3, seed=7)
    rows = {line.split()[0]: line for line in text.splitlines() if line[:1].islower()}
    assert "single class" not in rows["baseline"]
    assert rows["hidden"].endswith("single class on 1/2 folds")
    assert "85.00" in rows["baseline"] and "5.00" in rows["baseline"]
    assert "predicted one class for the whole test fold" in text
    assert re.search(
        r"^Time: 2 fits per model: baseline 1.0 s, hidden 1.0 s", text, re.M
    )


def test_grid_report_ranks_and_flags():
    grid = GridResult(
        params=[{"dropout": 0.0}, {"dropout": 0.5}, {"dropout": 0.2}],
        results=[
            _scores([0.8, 0.8]),
            _scores([0.5, 0.5], [True, True]),
            _scores([0.9, 0.8]),
        ],
        param_names=["dropout"],
    )
    assert list(grid.ranks) == [2, 3, 1] and grid.best_index == 2
    text = grid_report(
        "toy", grid, folds=2, epochs=3, seed=7, base="hidden", elapsed=3.0
    )
    table = [line.split() for line in text.splitlines() if re.match(r" +\d ", line)]
    assert [row[:2] for row in table] == [["1", "0.2"], ["2", "0"], ["3", "0.5"]]
    assert table[2][-5:] == ["single", "class", "on", "2/2", "folds"]
    assert "Best: dropout=0.2: 85.00% (std 5.00%)" in text
    assert "Time: 6 fits in 3.0 s (0.5 s per fit)" in text


def test_grid_csv_has_cv_results_columns(tmp_path):
    grid = GridResult(
        [{"input_dropout": 0.0, "hidden_layer_sizes": (60, 30)}],
        [_scores([0.75, 0.5], [False, True])],
        ["input_dropout", "hidden_layer_sizes"],
    )
    path = tmp_path / "grid.csv"
    write_grid_csv(grid, path)
    header, row = path.read_text().splitlines()
    assert header.split(",")[:6] == [
        "param_input_dropout",
        "param_hidden_layer_sizes",
        "split0_test_score",
        "split1_test_score",
        "mean_test_score",
        "std_test_score",
    ]
    assert row.startswith('0,"60,30",0.75,0.5,0.625,0.125,1,1,')


def test_heatmap_explains_its_frame_and_hatching():
    params = [
        {"input_dropout": i, "dropout": d, "max_norm": m}
        for i in (0.0, 0.2)
        for d in (0.0, 0.5)
        for m in (3.0, 4.0)
    ]
    means = [80, 81, 50, 52, 85, 84, 40, 41]
    single = [False, False, True, False, False, False, True, True]
    rows, cols, scores, flags = grid_cells(params, means, single)
    assert rows == [0.0, 0.2] and cols == [0.0, 0.5]
    np.testing.assert_array_equal(scores, [[81, 52], [85, 41]])  # best per cell
    np.testing.assert_array_equal(flags, [[False, False], [False, True]])
    fig = grid_heatmap(rows, cols, scores, flags, title="toy")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["best mean accuracy", "predicts a single class on some folds"]
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel()
    # Without a collapsed candidate the legend only explains the red frame.
    fig = grid_heatmap(rows, cols, scores, np.zeros((2, 2), bool), title="toy")
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["best mean accuracy"]


def test_box_plot_legend_is_off_the_axes():
    fig = compare_box_plot(
        {"a": [80, 90], "b": [70, 75]}, title="toy", article_means={"a": 85, "b": 72}
    )
    assert fig.axes[0].get_legend() is None  # the figure's legend, below the axes
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["the article's mean"]
