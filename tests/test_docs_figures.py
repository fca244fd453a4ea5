"""The figures in README.md and docs/ are the package's output, not typed.

``docs/results/*.txt`` (and the CSV files beside them) are written by
``python docs/results/regenerate.py``; the documentation includes them and the
script copies them into README.md.  These tests re-run the script in a fresh
process and fail when a committed figure differs from what the package prints
now; after a change that moves the figures (a new engine, new versions),
re-run the script and commit its output.
"""

import ast
import csv
import difflib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
REGENERATE = "python docs/results/regenerate.py"


def _figures(text: str) -> list[str]:
    """The lines that must match: all but measured times and versions."""
    return [
        line
        for line in text.splitlines()
        if not line.startswith(("Time:", "Versions:"))
    ]


def _versions(text: str) -> str:
    return next(
        (line for line in text.splitlines() if line.startswith("Versions:")), ""
    )


def _csv_figures(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return [
            {k: v for k, v in row.items() if not k.endswith("_time")}
            for row in csv.DictReader(f)
        ]


@pytest.fixture(scope="module")
def fresh(sonar_path, tmp_path_factory):
    """The results files as the package writes them now, in a fresh process."""
    out_dir = tmp_path_factory.mktemp("results")
    env = {**os.environ, "DROPOUTMLP_SONAR": str(sonar_path)}
    proc = subprocess.run(
        [sys.executable, "docs/results/regenerate.py", "--out-dir", str(out_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    return out_dir


@pytest.mark.parametrize(
    "name", ["quickstart", "quickstart_grid", "sonar_compare", "sonar_grid"]
)
def test_committed_figures_match_a_fresh_run(fresh, name):
    committed = (RESULTS / f"{name}.txt").read_text()
    now = (fresh / f"{name}.txt").read_text()
    if _figures(committed) != _figures(now):
        diff = "\n".join(
            difflib.unified_diff(
                _figures(committed), _figures(now), "committed", "now", lineterm=""
            )
        )
        pytest.fail(
            f"docs/results/{name}.txt no longer matches the package's output. "
            f"If the change is intended, run `{REGENERATE}` and commit the "
            f"result.\nCommitted with: {_versions(committed)}\n"
            f"Now:            {_versions(now)}\n{diff}"
        )


@pytest.mark.parametrize("name", ["sonar_compare", "sonar_grid"])
def test_committed_csv_matches_a_fresh_run(fresh, name):
    assert _csv_figures(RESULTS / f"{name}.csv") == _csv_figures(
        fresh / f"{name}.csv"
    ), f"docs/results/{name}.csv is stale: run `{REGENERATE}`"


def _readme_block(readme: str, name: str) -> str:
    match = re.search(
        rf"<!-- {name} -->\n```\w+\n(.*?)```\n<!-- end {name} -->", readme, re.S
    )
    assert match, f"README.md lacks the <!-- {name} --> block"
    return match.group(1)


def test_readme_shows_the_committed_code_and_outputs():
    readme = (ROOT / "README.md").read_text()
    assert (
        _readme_block(readme, "quickstart code")
        == (RESULTS / "quickstart.py").read_text()
    )
    for name in ("quickstart", "sonar_compare"):
        assert (
            _readme_block(readme, f"{name} output")
            == (RESULTS / f"{name}.txt").read_text()
        ), f"README.md's {name} output differs from docs/results: run `{REGENERATE}`"


# A typed accuracy or time: "86.98%", "83.6 %", "12 s", "2 min 52 s".
_TYPED_FIGURE = re.compile(r"\b\d+\.\d+ ?%|\b\d+(\.\d+)? ?s\b(?!\w)|\b\d+ min\b")


def _prose_files():
    yield from (ROOT / "docs").glob("*.rst")
    yield from (ROOT / "docs" / "examples").glob("*.py")
    yield ROOT / "README.md"


def test_no_typed_figures_in_prose():
    """Accuracies and times in README and docs come from files, never typed."""
    typed = []
    for path in _prose_files():
        text = path.read_text()
        # Generated blocks of the README are checked above.
        text = re.sub(r"<!-- (.*?) -->\n.*?<!-- end \1 -->", "", text, flags=re.S)
        docstring = (
            ast.get_docstring(ast.parse(text)) or "" if path.suffix == ".py" else ""
        )
        for no, line in enumerate(text.splitlines(), start=1):
            prose = line.lstrip().startswith("#") or (
                line.strip() and line.strip() in docstring
            )
            if path.suffix == ".py" and not prose:
                continue  # code computes; its comments must not type its results
            if _TYPED_FIGURE.search(line):
                typed.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()}")
    assert not typed, "typed figures:\n" + "\n".join(typed)


def test_docs_state_the_engines_constants_as_the_code_has_them():
    from dropoutmlp._engine import _driver, _inference

    steps = f"{_driver.XLA_MIN_STEPS:,} optimizer steps"
    visits = f"{_driver.XLA_MIN_ROWS:,} row visits"
    guide = " ".join((ROOT / "docs" / "user_guide.rst").read_text().split())
    assert steps in guide and visits in guide
    assert f"{_inference.BLOCK_ROWS:,} rows" in guide
    # The estimators' shared parameter text (the engine setting's).
    text = " ".join((ROOT / "dropoutmlp" / "_shared.py").read_text().split())
    assert steps in text and visits in text
