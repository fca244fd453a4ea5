"""Ctrl-C stops a fit promptly: the engine runs its epochs in short calls."""

import os
import queue
import signal
import subprocess
import sys
import threading
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


def _read_lines(stream) -> tuple[queue.Queue, threading.Thread]:
    """A thread putting each line of ``stream`` in a queue (None at its end)."""
    lines = queue.Queue()

    def read():
        for line in stream:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return lines, reader


def _next_line(lines: queue.Queue, timeout: float) -> str:
    """The child's next line, or AssertionError after ``timeout`` seconds."""
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"the child printed no line within {timeout} s") from None
    assert line is not None, "the child ended without printing the line"
    return line


@pytest.mark.skipif(
    not hasattr(signal, "SIGINT") or sys.platform == "win32",
    reason="needs POSIX signals (SIGINT)",
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
    # Every wait below has a timeout: the child's lines come through a
    # reader thread and a queue, and the child is killed and reaped whatever
    # happens.
    lines, reader = _read_lines(child.stdout)
    try:
        assert _next_line(lines, 120).strip() == "ready"
        time.sleep(2.0)  # well into the 100,000-epoch fit
        sent = time.time()
        child.send_signal(signal.SIGINT)
        line = _next_line(lines, 60).split()
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()
        child.wait(timeout=30)
        reader.join(timeout=30)
        child.stdout.close()
    assert line[0] == "interrupted"
    assert float(line[1]) - sent < 1.0
