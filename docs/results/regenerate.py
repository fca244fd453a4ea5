"""Regenerate every figure the README and the documentation show.

Run from the repository root, with the Sonar data at ``../shared/data/sonar.csv``
or named by ``DROPOUTMLP_SONAR``::

    python docs/results/regenerate.py

It runs, in one fresh process, the quick start (:data:`QUICKSTART`, then
:data:`QUICKSTART_GRID`) and each command of :data:`RUNS`, and writes what
they print, with the package versions, to ``docs/results/<name>.txt`` (plus
the commands' CSV files); it also copies the outputs into ``README.md``.  The
documentation includes these
files as they are, and ``tests/test_docs_figures.py`` runs this script into a
temporary folder and fails when a figure differs from the committed one.
Lines starting with ``Time:`` (measured times) and ``Versions:`` are not
compared.  ``--out-dir DIR`` writes the files to ``DIR`` and leaves the
README alone.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
README = ROOT / "README.md"
QUICKSTART = HERE / "quickstart.py"
QUICKSTART_GRID = HERE / "quickstart_grid.py"
sys.path.insert(0, str(ROOT))  # this checkout's dropoutmlp, wherever it runs from

#: name -> the ``python -m dropoutmlp`` arguments; CSV files go next to the text.
RUNS = {
    "sonar_compare": ["compare", "--data", "sonar", "--out", "sonar_compare.csv"],
    "sonar_grid": [
        "grid",
        "--data",
        "sonar",
        "--input-dropout",
        "0",
        "0.2",
        "--dropout",
        "0.2",
        "0.5",
        "--out",
        "sonar_grid.csv",
    ],
}


def _run_command(name: str, argv: list[str], out_dir: Path) -> str:
    from dropoutmlp._cli import main

    output = io.StringIO()
    cwd = Path.cwd()
    os.chdir(out_dir)  # the CSV files land next to the text, by relative name
    try:
        with contextlib.redirect_stdout(output):
            main([*argv, "--quiet"])
    finally:
        os.chdir(cwd)
    return f"$ python -m dropoutmlp {' '.join(argv)}\n{output.getvalue()}"


def _run_snippet(path: Path, namespace: dict, startup: float | None = None) -> str:
    """What the Python file ``path`` prints, run in ``namespace``, and its time."""
    from dropoutmlp._progress import format_duration

    output = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(output):
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    time_line = f"Time: {format_duration(time.perf_counter() - start)}"
    if startup is not None:
        time_line += f", plus {format_duration(startup)} to import TensorFlow"
    return f"{output.getvalue()}{time_line}\n"


def _readme_block(name: str, language: str, text: str) -> str:
    return f"<!-- {name} -->\n```{language}\n{text.rstrip()}\n```\n<!-- end {name} -->"


def update_readme(outputs: dict[str, str]) -> None:
    """Put the quick start's code and every output between README's markers."""
    readme = README.read_text()
    blocks = {"quickstart code": ("python", QUICKSTART.read_text())}
    blocks.update({f"{n} output": ("text", text) for n, text in outputs.items()})
    for name, (language, text) in blocks.items():
        pattern = re.compile(rf"<!-- {name} -->\n.*?<!-- end {name} -->", re.S)
        if pattern.search(readme):
            block = _readme_block(name, language, text)
            readme = pattern.sub(lambda _, block=block: block, readme)
    README.write_text(readme)


def regenerate(out_dir: Path) -> dict[str, str]:
    """Run everything; write ``<name>.txt`` files to ``out_dir``; return them."""
    from dropoutmlp._cli import _quiet_tensorflow

    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    _quiet_tensorflow()
    import dropoutmlp._classifier  # noqa: F401  (Keras too)

    startup = time.perf_counter() - start
    namespace: dict = {}  # the grid snippet continues the quick start
    outputs = {
        "quickstart": _run_snippet(QUICKSTART, namespace, startup),
        "quickstart_grid": _run_snippet(QUICKSTART_GRID, namespace),
    }
    for name, argv in RUNS.items():
        print(f"python -m dropoutmlp {' '.join(argv)}", file=sys.stderr, flush=True)
        outputs[name] = _run_command(name, argv, out_dir)
    for name, text in outputs.items():
        (out_dir / f"{name}.txt").write_text(text)
    return outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, help="Default: docs/results.")
    args = parser.parse_args()
    default_sonar = ROOT.parent / "shared" / "data" / "sonar.csv"
    if not os.environ.get("DROPOUTMLP_SONAR") and default_sonar.is_file():
        os.environ["DROPOUTMLP_SONAR"] = str(default_sonar)
    start = time.perf_counter()
    outputs = regenerate(args.out_dir or HERE)
    if args.out_dir is None:
        update_readme(outputs)
    print(f"Done in {time.perf_counter() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
