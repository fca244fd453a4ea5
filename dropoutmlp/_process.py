"""Process-wide settings, changed only when asked: the compile cache and threads.

The library never changes its host process's settings by itself.  A user
who owns the process (a script, a notebook, a grid search's workers) may ask
for two that make fresh processes fast, with :func:`configure_processes`:

* TensorFlow's persistent XLA compilation cache (``TF_XLA_FLAGS=
  --tf_xla_persistent_cache_directory=DIR``): a compiled program is written
  to ``DIR`` and read back by every later process instead of compiled again
  (each CLI run, notebook restart and grid-search worker pays the
  compilation once, not every time).  TensorFlow reads the flag at its first
  XLA compilation, so it must be set before that, in the process or before
  the process starts.
* One intra-op thread for the processes started from then on
  (``TF_NUM_INTRAOP_THREADS``): a grid search's worker processes then do
  not split each small operation over cores that the other workers use.

Both are environment variables: worker processes started afterwards (joblib's
loky workers, ``multiprocessing``) inherit them.  The command line calls
:func:`configure_processes` for its own process and workers.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

_CACHE_FLAG = "--tf_xla_persistent_cache_directory"
# ``DROPOUTMLP_COMPILE_CACHE``: a folder, or one of these to switch it off.
_OFF = {"0", "off", "false", "no", "none", ""}


def compile_cache_dir() -> Path | None:
    """Where the compile cache is: ``$DROPOUTMLP_COMPILE_CACHE`` if set (None
    when it says ``0``/``off``), else ``$XDG_CACHE_HOME/dropoutmlp/xla``
    (``~/.cache/dropoutmlp/xla`` without ``XDG_CACHE_HOME``)."""
    chosen = os.environ.get("DROPOUTMLP_COMPILE_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in _OFF else Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dropoutmlp" / "xla"


def configure_processes(
    compile_cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    worker_threads: int | None = None,
) -> Path | None:
    """Opt in to a persistent compile cache and to single-threaded workers.

    Call it at the start of a script or notebook, before the first fit (and
    before a parallel search starts its workers): it sets environment
    variables of this process, which the processes it starts inherit.

    Parameters
    ----------
    compile_cache : bool, default=True
        Keep compiled training programs in ``cache_dir`` across processes.
    cache_dir : path-like, default=None
        The cache folder (created if needed); None is
        :func:`compile_cache_dir`'s choice.
    worker_threads : int, default=None
        TensorFlow intra-op threads of the processes started from now on
        (``TF_NUM_INTRAOP_THREADS``; 1 suits ``n_jobs`` workers that share
        the cores).  This process keeps its own pool once TensorFlow runs.
        None leaves it alone.

    Returns
    -------
    pathlib.Path or None
        The cache folder, or None without a cache.

    Warns
    -----
    RuntimeWarning
        When this process has already compiled a training program: the
        cache then serves only the processes started from now on.

    Examples
    --------
    >>> import dropoutmlp
    >>> dropoutmlp.configure_processes(cache_dir="/tmp/dropoutmlp-xla")
    ... # doctest: +SKIP
    PosixPath('/tmp/dropoutmlp-xla')
    """
    if worker_threads is not None:
        if int(worker_threads) < 1:
            raise ValueError(f"worker_threads must be >= 1; got {worker_threads!r}.")
        os.environ["TF_NUM_INTRAOP_THREADS"] = str(int(worker_threads))
    if not compile_cache:
        return None
    directory = Path(cache_dir).expanduser() if cache_dir else compile_cache_dir()
    if directory is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    flags = [
        flag
        for flag in os.environ.get("TF_XLA_FLAGS", "").split()
        if not flag.startswith(_CACHE_FLAG)
    ]
    os.environ["TF_XLA_FLAGS"] = " ".join([*flags, f"{_CACHE_FLAG}={directory}"])
    if _compiled_already():
        warnings.warn(
            "This process has already compiled a training program, so "
            "TensorFlow has read its XLA flags: the compile cache serves the "
            "processes started from now on (e.g. a search's workers), not "
            "this one. Call configure_processes before the first fit.",
            RuntimeWarning,
            stacklevel=2,
        )
    return directory


def _compiled_already() -> bool:
    """Whether a compiled (XLA) training program was built in this process."""
    programs = sys.modules.get("dropoutmlp._engine._programs")
    return programs is not None and programs.PROGRAMS.compiled_any
