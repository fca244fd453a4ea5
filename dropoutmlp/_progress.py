"""One progress line over a known number of steps: count, elapsed time, ETA.

Used by every long-running command (``compare`` and ``grid``).  On a terminal
the line is rewritten in place; elsewhere (a log file, a pipe) a line is
printed at every tenth of the work, so a log holds about ten of them.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``"8.2 s"``, ``"42 s"`` or ``"3 min 05 s"``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s"


class Progress:
    """A progress line on ``stream``: ``what 12/40 30% | 5.1 s | ETA 12 s | note``.

    Parameters
    ----------
    total : int
        Number of steps.
    what : str
        What the steps are, e.g. ``"fits"``.
    stream : file, default=sys.stderr
        Where the line goes.
    enabled : bool, default=True
        False prints nothing (``--quiet``).
    """

    def __init__(
        self,
        total: int,
        what: str,
        *,
        stream: TextIO | None = None,
        enabled: bool = True,
    ) -> None:
        self.total = total
        self.what = what
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.done = 0
        self._start = time.perf_counter()
        isatty = getattr(self.stream, "isatty", None)
        self._dynamic = bool(isatty and isatty())
        self._last_tenth = 0
        self._width = 0

    @property
    def elapsed(self) -> float:
        """Seconds since the progress started."""
        return time.perf_counter() - self._start

    def line(self, note: str = "") -> str:
        """The current progress line."""
        width = len(str(self.total))
        elapsed = self.elapsed
        text = (
            f"{self.what} {self.done:>{width}}/{self.total} "
            f"{100 * self.done / self.total:3.0f}% | {format_duration(elapsed)}"
        )
        if 0 < self.done < self.total:
            remaining = elapsed / self.done * (self.total - self.done)
            text += f" | ETA {format_duration(remaining)}"
        if note:
            text += f" | {note}"
        return text

    def update(self, note: str = "") -> None:
        """One more step done; ``note`` says which."""
        self.done += 1
        if not self.enabled:
            return
        text = self.line(note)
        if self._dynamic:
            # One terminal row, or the carriage return cannot rewrite it.
            text = text[: shutil.get_terminal_size().columns - 1]
            padding = " " * max(0, self._width - len(text))
            self._width = len(text)
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\r{text}{padding}{end}")
            self.stream.flush()
            return
        tenth = 10 * self.done // self.total
        if tenth > self._last_tenth or self.done == 1:
            self._last_tenth = tenth
            print(text, file=self.stream, flush=True)
