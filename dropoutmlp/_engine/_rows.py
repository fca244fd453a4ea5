"""The fit's rows as the programs read them: one float32 copy, aligned, padded in place.

A program is fed its rows at every call.  TensorFlow takes a fed NumPy array
without copying it only when its data starts on a 64-byte boundary; any
other array it copies at every call (measured on 2,000,000 x 50 float32
rows: 0.5 ms a call aligned, 1.2 to 2.2 s not).  So the rows are made once,
float32, C-ordered and aligned, straight from the user's array (converted
a block at a time, never through a whole float64 temporary), with room
behind them for a compiled program's row bucket: padding is then a view of
zeros already there, not a second copy.
"""

from __future__ import annotations

import weakref

import numpy as np

ALIGN = 64  # bytes: what TensorFlow needs to take an array without a copy
BLOCK_BYTES = 2**22  # the rows read (and converted) at a time, at most


def padded_rows(n: int) -> int:
    """The row bucket of ``n`` rows: the least ``m * 2**e >= n``, ``m`` in 4..7.

    At most a third more rows than ``n``; the folds of a cross-validation (and
    the training sets of a grid search on them) fall into one bucket.
    """
    if n <= 8:
        return 8
    e = n.bit_length() - 3
    return -(-n >> e) << e


# The buffers float32_rows made, by the address where their zero rows start.
_ROOM: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def _aligned_empty(n_bytes: int) -> np.ndarray:
    """An uninitialised byte buffer of ``n_bytes`` whose data is aligned."""
    raw = np.empty(n_bytes + ALIGN, np.uint8)
    start = -raw.ctypes.data % ALIGN
    return raw[start : start + n_bytes]


def _is_aligned(a: np.ndarray) -> bool:
    return a.dtype == np.float32 and a.flags.c_contiguous and a.ctypes.data % ALIGN == 0


def float32_rows(x: np.ndarray, index: np.ndarray | None = None) -> np.ndarray:
    """``x[index]`` (every row when None) in float32, with room to pad.

    ``x`` itself when it is already float32, C-ordered and aligned and every
    row is taken; else one aligned copy, converted a block of rows at a time,
    followed (in the same buffer) by zero rows up to :func:`padded_rows` of
    its length, which :func:`padded` then returns as a view.
    """
    if index is None and _is_aligned(x):
        return x
    n = x.shape[0] if index is None else len(index)
    return _copy(x, index, padded_rows(n))


def _copy(x: np.ndarray, index: np.ndarray | None, capacity: int) -> np.ndarray:
    """``x[index]`` in a new aligned float32 buffer of ``capacity`` rows, the
    rows after it zero."""
    n = x.shape[0] if index is None else len(index)
    row_shape = x.shape[1:]
    row_bytes = 4 * int(np.prod(row_shape, dtype=np.int64))
    raw = _aligned_empty(capacity * row_bytes)
    rows = raw.view(np.float32).reshape(capacity, *row_shape)
    block = max(1, BLOCK_BYTES // max(1, row_bytes * x.itemsize // 4))
    for start in range(0, n, block):
        stop = min(start + block, n)
        rows[start:stop] = x[start:stop] if index is None else x[index[start:stop]]
    rows[n:] = 0
    _ROOM[raw.ctypes.data + n * row_bytes] = raw.base
    return rows[:n]


def padded(a: np.ndarray, n_rows: int | None) -> np.ndarray:
    """``a`` (float32) with zero rows up to ``n_rows`` (None: as it is),
    aligned: a view when ``a`` ends where a buffer of :func:`float32_rows`
    has its zero rows and that has room for them, else one aligned copy."""
    n = a.shape[0]
    if n_rows is None or n_rows == n:
        return a if _is_aligned(a) else _copy(a, None, n)
    row_bytes = a[:1].nbytes
    owner = _ROOM.get(a.ctypes.data + a.nbytes) if _is_aligned(a) else None
    if (
        owner is None
        or a.base is not owner
        or a.ctypes.data + n_rows * row_bytes > owner.ctypes.data + owner.nbytes
    ):
        a = _copy(a, None, max(n_rows, padded_rows(n)))
    return np.lib.stride_tricks.as_strided(a, (n_rows, *a.shape[1:]))
