"""The compile cache and worker threads: only when asked, then for the process
and the processes it starts.  Each case runs in a fresh Python process (with
a timeout), as users' scripts, notebooks and the command line do."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.datasets import make_classification

from dropoutmlp import DropoutMLPClassifier
from dropoutmlp._process import compile_cache_dir, configure_processes

TIMEOUT = 300  # seconds for one child process


def _python(args: list, env: dict | None = None) -> str:
    """Run ``python *args`` in a fresh process without the settings under test."""
    environ = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    for name in ("TF_XLA_FLAGS", "TF_NUM_INTRAOP_THREADS"):
        environ.pop(name, None)
    if "XDG_CACHE_HOME" in (env or {}):
        environ.pop("DROPOUTMLP_COMPILE_CACHE", None)
    done = subprocess.run(
        [sys.executable, *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _run(code: str, env: dict | None = None) -> str:
    return _python(["-c", textwrap.dedent(code)], env)


FIT = """
import numpy as np
from sklearn.datasets import make_classification
from dropoutmlp import DropoutMLPClassifier
X, y = make_classification(100, 5, random_state=0)
DropoutMLPClassifier((8,), epochs=3, engine="xla", random_state=0).fit(X, y)
"""


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DROPOUTMLP_COMPILE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compile_cache_dir() == tmp_path / "dropoutmlp" / "xla"
    monkeypatch.setenv("DROPOUTMLP_COMPILE_CACHE", str(tmp_path / "mine"))
    assert compile_cache_dir() == tmp_path / "mine"
    for off in ("off", "0", "false"):
        monkeypatch.setenv("DROPOUTMLP_COMPILE_CACHE", off)
        assert compile_cache_dir() is None


def test_a_fit_changes_nothing_process_wide():
    before = dict(os.environ)
    X, y = make_classification(60, 4, random_state=0)
    DropoutMLPClassifier((4,), epochs=2, n_iter_no_change=np.inf).fit(X, y)
    assert dict(os.environ) == before


def test_the_opt_in_caches_compiled_programs_for_the_next_process(tmp_path):
    cache = tmp_path / "xla"
    code = (
        f"import dropoutmlp; dropoutmlp.configure_processes(cache_dir={str(cache)!r})"
    )
    _run(code + FIT)
    files = sorted(p.name for p in cache.iterdir())
    assert files and all(name.startswith("xla_compile_cache") for name in files)
    _run(code + FIT)  # the second process reads them: nothing new is written
    assert sorted(p.name for p in cache.iterdir()) == files


def test_without_the_opt_in_nothing_is_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    X, y = make_classification(60, 4, random_state=0)
    DropoutMLPClassifier((5,), epochs=2, engine="xla", n_iter_no_change=np.inf).fit(
        X, y
    )
    assert not (tmp_path / "dropoutmlp").exists()


def test_workers_started_afterwards_inherit_the_settings(tmp_path):
    out = _run(
        f"""
        import os
        from joblib import Parallel, delayed
        import dropoutmlp
        dropoutmlp.configure_processes(cache_dir={str(tmp_path)!r}, worker_threads=1)
        names = ("TF_NUM_INTRAOP_THREADS", "TF_XLA_FLAGS")
        seen = Parallel(n_jobs=2)(
            delayed(lambda: tuple(os.environ.get(n) for n in names))()
            for _ in range(2)
        )
        print(seen[0][0], seen[0][1].endswith({str(tmp_path)!r}), len(set(seen)))
        """
    )
    assert out.split() == ["1", "True", "1"]


def test_asking_after_a_compilation_warns_that_it_is_too_late(monkeypatch, tmp_path):
    X, y = make_classification(60, 4, random_state=0)
    DropoutMLPClassifier((6,), epochs=2, engine="xla", n_iter_no_change=np.inf).fit(
        X, y
    )
    # The call sets this process's environment: restored after the test.
    monkeypatch.setenv("TF_XLA_FLAGS", os.environ.get("TF_XLA_FLAGS", ""))
    with pytest.warns(RuntimeWarning, match="already compiled"):
        configure_processes(cache_dir=tmp_path)
    assert os.environ["TF_XLA_FLAGS"].endswith(f"={tmp_path}")


def test_the_command_line_keeps_its_compilations(tmp_path):
    # 3 folds of wine: 2,400 optimizer steps a fit, which compile (XLA).
    args = ["-m", "dropoutmlp", "compare", "--data", "wine", "--folds", "3", "-q"]
    _python(args, env={"XDG_CACHE_HOME": str(tmp_path)})
    cache = tmp_path / "dropoutmlp" / "xla"
    assert any(p.name.startswith("xla_compile_cache") for p in cache.iterdir())


@pytest.mark.filterwarnings("ignore:This process has already compiled")
@pytest.mark.parametrize("option", [[], ["--no-compile-cache"], ["--jobs", "2"]])
def test_the_command_line_sets_its_own_process(monkeypatch, tmp_path, option):
    from dropoutmlp._cli import _configure_process, build_parser

    for name in ("TF_XLA_FLAGS", "TF_NUM_INTRAOP_THREADS"):
        monkeypatch.setenv(name, "")  # restored after the test
        monkeypatch.delenv(name)
    monkeypatch.setenv("DROPOUTMLP_COMPILE_CACHE", str(tmp_path))
    _configure_process(build_parser().parse_args(["compare", *option]))
    cached = os.environ.get("TF_XLA_FLAGS", "").endswith(f"={tmp_path}")
    assert cached == (option != ["--no-compile-cache"])
    threads = os.environ.get("TF_NUM_INTRAOP_THREADS")
    assert threads == ("1" if option == ["--jobs", "2"] else None)
