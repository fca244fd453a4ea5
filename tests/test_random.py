"""The engine's counter-based random numbers: NumPy and TensorFlow agree, the
row orders are permutations, and dropout's keep draws are uniform and
independent across steps, layers, rows and units (statistical bounds)."""

import numpy as np
import pytest
import tensorflow as tf

from dropoutmlp._engine import _random

Z = 5.0  # every bound below is a 5-sigma one: a false alarm is ~1 in 3 million


def test_numpy_and_tensorflow_hashes_agree():
    x = np.random.RandomState(0).randint(0, 2**32, size=10_000, dtype=np.uint64)
    x = x.astype(np.uint32)
    np.testing.assert_array_equal(
        _random.mix_np(x), _random.mix(tf.constant(x)).numpy()
    )
    np.testing.assert_array_equal(
        _random.combine_np(x[:100], 7),
        _random.combine(tf.constant(x[:100]), tf.constant(7)).numpy(),
    )
    assert len(np.unique(_random.mix_np(np.arange(100_000)))) == 100_000  # bijective


@pytest.mark.parametrize("n,n_rows", [(75, 75), (75, 96), (1, 8)])
def test_epoch_order_is_the_same_permutation_in_numpy_and_a_graph(n, n_rows):
    for epoch in range(3):
        expected = _random.epoch_order_np(n, 12345, epoch)
        assert sorted(expected) == list(range(n))
        got = _random.epoch_order(
            n_rows, tf.constant(n), tf.constant(12345, tf.uint32), tf.constant(epoch)
        ).numpy()
        np.testing.assert_array_equal(got[:n], expected)
        np.testing.assert_array_equal(got[n:], np.arange(n, n_rows))  # padding last


def test_epoch_orders_differ_between_epochs_and_seeds_and_are_unbiased():
    n, epochs = 50, 2000
    orders = np.array([_random.epoch_order_np(n, 3, e) for e in range(epochs)])
    assert len({tuple(o) for o in orders}) == epochs
    assert not np.array_equal(orders[0], _random.epoch_order_np(n, 4, 0))
    # Each row's position is uniform on 0..n-1: its mean is (n-1)/2.
    positions = np.argsort(orders, axis=1)
    sd = np.sqrt((n**2 - 1) / 12 / epochs)
    assert np.abs(positions.mean(axis=0) - (n - 1) / 2).max() < Z * sd


def _draws(seed, step, shape):
    key = _random.combine(tf.constant(seed, tf.uint32), tf.constant(step))
    return _random.uniform(key, shape).numpy()


@pytest.fixture(scope="module")
def steps():
    """Draws of 400 steps of a (16 rows, 90 units) block, as a dropout layer sees."""
    return np.stack([_draws(99, step, (16, 90)) for step in range(400)])


def test_draws_are_uniform_on_the_unit_interval(steps):
    u = steps.ravel()
    assert u.min() >= 0 and u.max() < 1
    counts, _ = np.histogram(u, bins=20, range=(0, 1))
    expected = len(u) / 20
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 19 + Z * np.sqrt(2 * 19)  # chi-square, 19 degrees of freedom


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5, 0.8])
def test_keep_rate_within_a_binomial_bound(steps, rate):
    kept = (steps >= rate).mean()
    sd = np.sqrt(rate * (1 - rate) / steps.size)
    assert abs(kept - (1 - rate)) < Z * sd
    # Per step too: no step keeps far more or fewer units than the rate says.
    per_step = (steps >= rate).mean(axis=(1, 2))
    assert np.abs(per_step - (1 - rate)).max() < Z * np.sqrt(
        rate * (1 - rate) / steps[0].size
    )


def _uncorrelated(a, b):
    r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
    assert abs(r) < Z / np.sqrt(a.size), r


def test_no_correlation_between_steps_rows_units_and_seeds(steps):
    _uncorrelated(steps[1:], steps[:-1])  # consecutive steps
    _uncorrelated(steps[:, 1:], steps[:, :-1])  # neighbouring rows
    _uncorrelated(steps[:, :, 1:], steps[:, :, :-1])  # neighbouring units
    other = np.stack([_draws(100, step, (16, 90)) for step in range(400)])
    _uncorrelated(steps, other)  # neighbouring seeds


def test_no_correlation_between_layers_masks(steps):
    # A step's layers read neighbouring column blocks of one draw: the blocks
    # of layers 60 units wide and 30 units wide, as in the article's network.
    _uncorrelated(steps[:, :, :30], steps[:, :, 60:90])
    _uncorrelated(steps[:, :, :30], steps[:, :, 30:60])
    # Kept units (the masks themselves), not only the draws.
    keep = (steps >= 0.5).astype(float)
    _uncorrelated(keep[:, :, :30], keep[:, :, 30:60])
    _uncorrelated(keep[1:], keep[:-1])
