"""Tests of the ``dropoutmlp`` command line (in-process, tiny settings)."""

import csv
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from dropoutmlp.__main__ import main
from dropoutmlp.datasets import SONAR_ENV_VAR

TINY = ["--folds", "3", "--epochs", "3"]
# main() runs in pytest's process, which may have compiled programs already.
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process has already compiled:RuntimeWarning"
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _own_process_settings(monkeypatch, tmp_path):
    """``main`` sets its process's compile cache and threads (the command line
    owns its process): here that is pytest's, so each test's are undone, and
    the cache goes to the test's folder, not the user's."""
    for name in ("TF_XLA_FLAGS", "TF_NUM_INTRAOP_THREADS"):
        monkeypatch.setenv(name, "")  # records the variable's state ...
        monkeypatch.delenv(name)  # ... which the test's end restores
    monkeypatch.setenv("DROPOUTMLP_COMPILE_CACHE", str(tmp_path / "xla"))


def _table_rows(out: str) -> dict[str, list[str]]:
    """``{model: cells}`` of the compare table."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("model"))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = cells[1:]
    return rows


def _csv_file(tmp_path, *, header=True, label_first=False, n=60):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 4))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    path = tmp_path / "data.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        names = ["a", "b", "c", "d"]
        if label_first:
            if header:
                writer.writerow(["label", *names])
            writer.writerows([label, *row] for row, label in zip(X, y, strict=True))
        else:
            if header:
                writer.writerow([*names, "label"])
            writer.writerows([*row, label] for row, label in zip(X, y, strict=True))
    return path, X, y


def _expect_usage_error(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("dropoutmlp")
    assert message in lines[0]
    return lines[0]


# -- help -------------------------------------------------------------------


def test_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "compare" in out and "grid" in out


@pytest.mark.parametrize(
    "command, options",
    [
        ("compare", ["--data", "--folds", "--epochs", "--seed", "--jobs", "--plot"]),
        ("grid", ["--input-dropout", "--dropout", "--max-norm", "--out", "--base"]),
    ],
)
def test_subcommand_help(capsys, command, options):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: dropoutmlp {command}")
    for option in options:
        assert option in out


def _run(*argv, env=None):
    """``python [argv]`` in a fresh process, without TF_CPP_MIN_LOG_LEVEL."""
    env = {**os.environ, **(env or {})}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, env=env, timeout=300
    )


def _imported(importtime_log: str) -> set[str]:
    """Top-level packages a ``-X importtime`` log shows imported."""
    names = re.findall(r"^import time:.*\|\s*([\w.]+)$", importtime_log, re.M)
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize(
    "argv, status",
    [
        (["--help"], 0),
        (["--version"], 0),
        (["grid", "--help"], 0),
        (["grid", "--dropout", "1.5"], 2),
        (["compare", "--data", "no_such_set"], 2),
    ],
)
def test_python_m_answers_without_tensorflow(argv, status):
    """--help, --version and argument errors: only the answer, no TensorFlow."""
    proc = _run("-X", "importtime", "-m", "dropoutmlp", *argv)
    assert proc.returncode == status, proc.stderr
    imported = _imported(proc.stderr)
    assert "dropoutmlp" in imported
    assert not imported & {"tensorflow", "keras", "sklearn", "scipy"}, imported
    messages = [
        line for line in proc.stderr.splitlines() if not line.startswith("import time:")
    ]
    if status == 0:
        assert messages == []
        assert proc.stdout.startswith(("usage: dropoutmlp", "dropoutmlp 0"))
    else:
        assert len(messages) == 1 and messages[0].startswith("dropoutmlp ")
        assert proc.stdout == ""


def test_python_m_compare_prints_no_tensorflow_logs():
    """A real run: stderr holds the command's own lines, none of TensorFlow's.

    With --jobs 2, this process imports TensorFlow first (its own lines are
    filtered then), and the two worker processes import it again.
    """
    argv = ["-m", "dropoutmlp", "compare", "--data", "wine", *TINY, "--models"]
    proc = _run(*argv, "hidden", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("Cross-validating hidden on wine")
    assert len(lines) == 4, proc.stderr  # the note, then 3 progress lines
    for k, line in enumerate(lines[1:], start=1):
        assert re.match(rf"fits {k}/3 +\d+% \| [\d.]+ s( \| ETA .* s)? \| ", line), line
    assert "Versions: dropoutmlp" in proc.stdout
    # -v shows them (proof that there was something to hide).
    verbose = _run(*argv, "hidden", "-v", "-q")
    assert verbose.returncode == 0
    assert "oneDNN" in verbose.stderr or "cuda" in verbose.stderr


def test_no_command_is_an_error(capsys):
    _expect_usage_error(capsys, [], "required")


# -- compare ----------------------------------------------------------------


def test_compare_on_wine(tmp_path, capsys):
    plot = tmp_path / "box.png"
    argv = ["compare", "--data", "wine", *TINY, "--models", "baseline", "hidden"]
    assert main([*argv, "--plot", str(plot)]) == 0
    captured = capsys.readouterr()
    out, err = captured.out, captured.err
    assert "Data: wine (178 samples, 13 features, 3 classes)" in out
    assert "3-fold stratified CV (shuffled, seed 7), 3 epochs" in out
    rows = _table_rows(out)
    assert list(rows) == ["baseline", "hidden"]
    for cells in rows.values():
        mean, std = map(float, cells[:2])
        assert 0 <= mean <= 100 and 0 <= std <= 100
    # A trained network beats chance (1/3) on wine even after 3 epochs.
    assert float(rows["hidden"][0]) > 50
    assert "article" not in out  # the article's figures are for Sonar only
    assert re.search(r"^Time: 3 fits per model: baseline [\d.]+ s, hidden ", out, re.M)
    # Progress: one line over all fits, on stderr (every fit: only 6 of them).
    progress = re.findall(r"^fits (\d)/6 .* (baseline|hidden) fold (\d)/3: ", err, re.M)
    assert [int(p[0]) for p in progress] == [1, 2, 3, 4, 5, 6]
    assert plot.read_bytes().startswith(PNG_MAGIC)


def test_compare_is_reproducible(capsys):
    argv = ["compare", "--data", "wine", *TINY, "--models", "hidden", "-q"]
    main(argv)
    first = capsys.readouterr()
    main(argv)
    second = capsys.readouterr()
    assert _table_rows(first.out)["hidden"][:2] == _table_rows(second.out)["hidden"][:2]
    assert first.err == second.err == ""  # --quiet: no progress


@pytest.mark.parametrize("label_column", ["0", "label", "-5"])
def test_compare_on_csv_with_label_column(tmp_path, capsys, label_column):
    path, _, _ = _csv_file(tmp_path, label_first=True)
    argv = ["compare", "--data", str(path), "--label-column", label_column]
    assert main([*argv, *TINY, "--models", "hidden", "-q"]) == 0
    out = capsys.readouterr().out
    assert "Data: data.csv (60 samples, 4 features, 2 classes)" in out
    assert list(_table_rows(out)) == ["hidden"]


def test_compare_on_sonar_shows_the_article(sonar_path, monkeypatch, capsys):
    monkeypatch.setenv(SONAR_ENV_VAR, str(sonar_path))
    argv = ["compare", "--data", "sonar", *TINY, "--models", "baseline", "-q"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Data: sonar (208 samples, 60 features, 2 classes)" in out
    assert "article %" in out
    assert _table_rows(out)["baseline"][2:4] == ["86.04", "(4.58)"]


# -- grid -------------------------------------------------------------------


def _wine_grid(out_csv, heatmap, input_dropout, dropout, *options) -> list[str]:
    """The arguments of a tiny grid on wine over these rates, writing both files."""
    return [
        "grid",
        "--data",
        "wine",
        *TINY,
        "--input-dropout",
        *input_dropout,
        "--dropout",
        *dropout,
        *options,
        "--out",
        str(out_csv),
        "--heatmap",
        str(heatmap),
    ]


def test_grid_on_wine(tmp_path, capsys):
    out_csv, heatmap = tmp_path / "results.csv", tmp_path / "heatmap.png"
    argv = _wine_grid(out_csv, heatmap, ["0", "0.2"], ["0", "0.5"], "--max-norm", "3")
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "4 candidates x 3 folds" in captured.err
    # One progress line over all 12 fits, with count, elapsed time and ETA.
    assert re.search(
        r"^fits  6/12  50% \| [\d.]+ s \| ETA [\d.]+ s \| ", captured.err, re.M
    )
    assert re.search(r"^fits 12/12 100% \| ", captured.err, re.M)
    assert "[CV" not in captured.err
    out = captured.out
    assert "4 candidates x 3 folds" in out
    best = re.search(
        r"^Best: input_dropout=(\S+), dropout=(\S+), max_norm=3: ([\d.]+)%", out, re.M
    )
    assert best is not None, out

    with open(out_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    for column in [
        "param_input_dropout",
        "param_dropout",
        "param_max_norm",
        "split0_test_score",
        "split2_test_score",
        "mean_test_score",
        "rank_test_score",
    ]:
        assert column in rows[0]
    pairs = {(r["param_input_dropout"], r["param_dropout"]) for r in rows}
    assert pairs == {("0", "0"), ("0", "0.5"), ("0.2", "0"), ("0.2", "0.5")}
    for row in rows:
        splits = [float(row[f"split{k}_test_score"]) for k in range(3)]
        assert float(row["mean_test_score"]) == pytest.approx(np.mean(splits))
    top = max(rows, key=lambda r: float(r["mean_test_score"]))
    assert float(best.group(3)) == pytest.approx(
        100 * float(top["mean_test_score"]), abs=0.005
    )
    assert heatmap.read_bytes().startswith(PNG_MAGIC)


def test_grid_with_concrete_rates(tmp_path, capsys):
    """'concrete' is a grid value: the report and the CSV give what was learned."""
    from dropoutmlp import _cli, _validation
    from dropoutmlp._network import CONCRETE_INITIAL_RATE

    assert _cli.CONCRETE == _validation.CONCRETE

    out_csv, heatmap = tmp_path / "results.csv", tmp_path / "heatmap.png"
    argv = _wine_grid(out_csv, heatmap, ["0", "concrete"], ["concrete", "0.2"], "-q")
    assert main(argv) == 0
    out = capsys.readouterr().out
    with open(out_csv, newline="") as f:
        rows = {
            (r["param_input_dropout"], r["param_dropout"]): r for r in csv.DictReader(f)
        }
    assert set(rows) == {
        ("0", "concrete"),
        ("0", "0.2"),
        ("concrete", "concrete"),
        ("concrete", "0.2"),
    }
    # Fixed rates learn nothing: empty cells, and no line in the report.
    assert rows["0", "0.2"]["mean_learned_input_dropout"] == ""
    assert rows["0", "0.2"]["mean_learned_dropout"] == ""
    assert "input_dropout=0, dropout=0.2:" not in out
    reported = dict(
        re.findall(r"^  (input_dropout=\S+, dropout=\S+): (.+)$", out, re.M)
    )
    assert set(reported) == {
        "input_dropout=0, dropout=concrete",
        "input_dropout=concrete, dropout=concrete",
        "input_dropout=concrete, dropout=0.2",
    }
    for (inputs, hidden), row in rows.items():
        if (inputs, hidden) == ("0", "0.2"):
            continue
        learned_in = float(row["mean_learned_input_dropout"])
        learned_hidden = [float(v) for v in row["mean_learned_dropout"].split(",")]
        assert len(learned_hidden) == 2  # the base model's two hidden layers
        # A fixed rate is reported as it is, a learned one moved from its start.
        for given, learned in [(inputs, learned_in), (hidden, learned_hidden[0])]:
            if given == "concrete":
                assert 0 < learned < 1 and learned != CONCRETE_INITIAL_RATE
            else:
                assert learned == pytest.approx(float(given))
        text = reported[f"input_dropout={inputs}, dropout={hidden}"]
        expected = ", ".join(f"{v:.2f}" for v in learned_hidden)
        assert text == f"inputs {learned_in:.2f}, hidden {expected}"
    assert heatmap.read_bytes().startswith(PNG_MAGIC)


# -- errors -------------------------------------------------------------------


def test_unknown_dataset(capsys):
    _expect_usage_error(
        capsys, ["compare", "--data", "iris_flowers"], "unknown data set 'iris_flowers'"
    )


def test_missing_file(tmp_path, capsys):
    missing = tmp_path / "missing.csv"
    _expect_usage_error(capsys, ["grid", "--data", str(missing)], "does not exist")


@pytest.mark.parametrize("label_column", ["5", "-6"])
def test_label_column_out_of_range(tmp_path, capsys, label_column):
    path, _, _ = _csv_file(tmp_path)
    line = _expect_usage_error(
        capsys,
        ["compare", "--data", str(path), "--label-column", label_column],
        f"--label-column {label_column} is out of range",
    )
    assert "5 columns" in line


def test_label_column_unknown_name(tmp_path, capsys):
    path, _, _ = _csv_file(tmp_path)
    _expect_usage_error(
        capsys,
        ["compare", "--data", str(path), "--label-column", "target"],
        "'target' is not a column",
    )


def test_label_column_with_bundled_data(capsys):
    _expect_usage_error(
        capsys,
        ["compare", "--data", "wine", "--label-column", "0"],
        "only applies to CSV files",
    )


def test_sonar_unavailable(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(SONAR_ENV_VAR, str(tmp_path / "nowhere.csv"))
    _expect_usage_error(capsys, ["compare", "--data", "sonar"], SONAR_ENV_VAR)


def test_too_many_folds_for_smallest_class(tmp_path, capsys):
    path = tmp_path / "small.csv"
    path.write_text("1,a\n2,a\n3,a\n4,b\n5,b\n")
    _expect_usage_error(
        capsys,
        ["compare", "--data", str(path), "--folds", "3"],
        "--folds 3 is more than the 2 rows of the smallest class ('b')",
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["grid", "--dropout", "1.5"], "'1.5' is neither a number in [0, 1) nor"),
        (["grid", "--input-dropout", "x"], "'x' is neither a number in [0, 1) nor"),
        (
            ["grid", "--dropout", "concret"],
            "'concret' is neither a number in [0, 1) nor 'concrete'",
        ),
        (["grid", "--max-norm", "0"], "max-norm must be > 0"),
        (["grid", "--hidden-layer-sizes", "60,x"], "not comma-separated"),
        (["compare", "--folds", "1"], "1 is less than 2"),
        (["compare", "--models", "dropout"], "invalid choice: 'dropout'"),
        (["grid", "--base", "deep"], "invalid choice: 'deep'"),
    ],
)
def test_bad_option_values(capsys, argv, message):
    _expect_usage_error(capsys, argv, message)


def test_output_folder_must_exist(tmp_path, capsys):
    target = tmp_path / "no" / "such" / "box.png"
    _expect_usage_error(capsys, ["compare", "--plot", str(target)], "--plot: folder")


def test_first_column_label_gets_a_hint(tmp_path, capsys):
    path, _, _ = _csv_file(tmp_path, label_first=True)
    line = _expect_usage_error(
        capsys,
        ["compare", "--data", str(path)],
        "line 2, column 0: ",
    )
    assert "--label-column 0" in line


def test_only_the_command_quiets_tensorflow():
    """The library leaves the environment and the standard streams alone."""
    code = (
        "import os, sys; import dropoutmlp; "
        "assert 'tensorflow' not in sys.modules; "
        "from dropoutmlp import DropoutMLPClassifier; "
        "assert 'tensorflow' in sys.modules; "
        "print(os.environ.get('TF_CPP_MIN_LOG_LEVEL'))"
    )
    proc = _run("-c", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "None"
    assert "oneDNN" in proc.stderr or "cuda" in proc.stderr  # not filtered
