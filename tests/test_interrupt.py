"""Ctrl-C stops a fit promptly: the engine runs its epochs in short calls."""

import os
import select
import signal
import subprocess
import sys
import time

import pytest

# The child restores Python's own SIGINT handler: a process started from a
# background shell inherits SIGINT ignored, and Ctrl-C would never arrive.
CHILD = r"""
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
from dropoutmlp import DropoutMLPClassifier

rng = np.random.RandomState(0)
X = rng.randn(2000, 20)
y = (X[:, 0] > 0).astype(int)
est = DropoutMLPClassifier((64, 64), batch_size=32, n_iter_no_change=np.inf,
                           random_state=0, verbose=0, engine="xla")
est.set_params(epochs=40).fit(X, y)  # compiles the program the long fit runs
print("ready", flush=True)
try:
    est.set_params(epochs=100_000).fit(X, y)
except KeyboardInterrupt:
    print("interrupted", time.time(), flush=True)
    sys.exit(0)
print("finished", flush=True)
sys.exit(1)
"""


def _readline(stream, timeout: float) -> str:
    """The child's next line, or AssertionError after ``timeout`` seconds."""
    ready, _, _ = select.select([stream], [], [], timeout)
    assert ready, f"the child printed nothing within {timeout} s"
    return stream.readline()


@pytest.mark.skipif(
    not hasattr(signal, "SIGINT") or sys.platform == "win32",
    reason="needs POSIX signals (SIGINT) and select() on a pipe",
)
def test_ctrl_c_stops_a_long_quiet_fit_within_a_second():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert _readline(child.stdout, 120).strip() == "ready"
        time.sleep(2.0)  # well into the 100,000-epoch fit
        sent = time.time()
        child.send_signal(signal.SIGINT)
        line = _readline(child.stdout, 60).split()
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()
    assert line[0] == "interrupted"
    assert float(line[1]) - sent < 1.0
