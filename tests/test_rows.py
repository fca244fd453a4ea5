"""The fit's rows in the engine's form: one float32 copy, aligned, padded in place."""

import tracemalloc

import numpy as np
import pytest

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor
from dropoutmlp._engine._rows import (
    ALIGN,
    BLOCK_BYTES,
    float32_rows,
    padded,
    padded_rows,
)


def _aligned(a: np.ndarray) -> bool:
    return a.ctypes.data % ALIGN == 0 and a.flags.c_contiguous


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float32_rows_copies_the_rows_once_with_zeroed_room(order, dtype):
    x = np.asarray(np.random.RandomState(0).randn(1000, 7), dtype=dtype, order=order)
    index = np.array([999, 3, 3, 500])
    for idx, expected in ((None, x), (index, x[index])):
        rows = float32_rows(x, idx)
        assert rows.dtype == np.float32 and _aligned(rows)
        np.testing.assert_array_equal(rows, expected.astype(np.float32))
        bucket = padded(rows, padded_rows(len(rows)))
        copied = rows is not x  # aligned float32 X is taken as it is
        assert np.shares_memory(bucket, rows) == copied  # padding: a view
        assert bucket.shape == (padded_rows(len(rows)), 7)
        assert not bucket[len(rows) :].any()


def test_float32_rows_takes_aligned_float32_as_it_is():
    rows = float32_rows(np.random.RandomState(0).randn(100, 3))
    again = np.ascontiguousarray(rows)
    assert float32_rows(again) is again
    assert padded(again, None) is again


@pytest.mark.parametrize("make", ["slice", "user array", "float64"])
def test_padded_copies_rows_without_room_and_never_exposes_data(make):
    x = np.arange(60, dtype=np.float64).reshape(20, 3)
    rows = {
        "slice": float32_rows(x)[:15],  # data, not zeros, follows it
        "user array": np.ones((20, 3), np.float32),
        "float64": x,
    }[make]
    out = padded(rows, 32)
    assert out.shape == (32, 3) and out.dtype == np.float32 and _aligned(out)
    np.testing.assert_array_equal(out[: len(rows)], rows)
    assert not out[len(rows) :].any()
    assert not np.shares_memory(out, x)


def test_padded_keeps_small_index_arrays_exact():
    w = np.ones(5, np.float32)
    np.testing.assert_array_equal(padded(w, 8), [1, 1, 1, 1, 1, 0, 0, 0])


@pytest.mark.parametrize(
    "early_stopping, weights",
    [(False, False), (True, True)],
    ids=["all rows", "weight-0 rows dropped and a validation split"],
)
def test_fit_holds_at_most_one_float32_copy_of_float64_rows(early_stopping, weights):
    """NumPy's own allocations during a fit (tracemalloc sees them, not
    TensorFlow's) peak at about one float32 copy of X, however the rows are
    selected: no float64 temporary but the block being converted, no second
    copy for padding or the split (the bucket's room is at most a quarter
    here)."""
    rng = np.random.RandomState(0)
    X = rng.randn(100_000, 50)
    y = (X[:, 0] > 0).astype(int)
    sample_weight = np.where(np.arange(len(y)) % 10 == 0, 0.0, 1.0) if weights else None
    est = DropoutMLPClassifier(
        hidden_layer_sizes=(4,),
        epochs=1,
        batch_size=10_000,
        early_stopping=early_stopping,
        n_iter_no_change=np.inf,
        random_state=0,
        engine="xla",
    )
    est.fit(X, y, sample_weight=sample_weight)  # compiled outside the measurement
    tracemalloc.start()
    try:
        est.fit(X, y, sample_weight=sample_weight)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    float32_copy = X.size * 4
    assert peak < 1.25 * float32_copy + 2 * BLOCK_BYTES, peak / float32_copy


def test_fit_on_float32_rows_matches_float64_rows():
    X = np.random.RandomState(1).randn(300, 5)
    y = X[:, 0] - X[:, 1]
    params = dict(
        hidden_layer_sizes=(8,), epochs=3, random_state=0, early_stopping=True
    )
    a = DropoutMLPRegressor(**params).fit(X.astype(np.float32), y)
    b = DropoutMLPRegressor(**params).fit(X, y)
    for u, v in zip(a.coefs_, b.coefs_, strict=True):
        np.testing.assert_array_equal(u, v)


def _anonymous_rss() -> int:
    """This process's private resident memory (file pages left out), bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    pytest.skip("needs Linux's /proc/self/status (RssAnon)")


def test_partial_fit_streams_a_memmap_without_copying_it(tmp_path):
    """float32 rows of a memory-mapped file train in place: slices of it
    (aligned) reach the graph program without a copy, so the process's
    private memory does not grow with the file's rows."""
    import threading

    n, chunk = 800_000, 200_000  # 160 MB of float32, 40 MB a call
    X = np.lib.format.open_memmap(tmp_path / "X.npy", "w+", np.float32, (n, 50))
    for start in range(0, n, chunk):
        X[start : start + chunk] = np.random.RandomState(start).randn(chunk, 50)
    y = (X[:, 0] > 0).astype(np.int8)
    est = DropoutMLPClassifier(
        hidden_layer_sizes=(8,), batch_size=4000, engine="graph", random_state=0
    )
    est.partial_fit(X[:chunk], y[:chunk], classes=[0, 1])  # traced outside
    before, peak, done = _anonymous_rss(), [0], threading.Event()

    def watch():
        while not done.wait(0.002):
            peak[0] = max(peak[0], _anonymous_rss())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        for start in range(0, n, chunk):
            est.partial_fit(X[start : start + chunk], y[start : start + chunk])
    finally:
        done.set()
        watcher.join(timeout=10)
    assert len(est.loss_curve_) == 5  # one epoch a call
    grown = max(peak[0], _anonymous_rss()) - before
    assert grown < 0.1 * X.nbytes, grown / X.nbytes
