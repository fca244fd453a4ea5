"""random_state: the same seed gives the same model (in a fresh process too,
see test_persistence), a RandomState instance or None work, and a fit leaves
TensorFlow's, NumPy's and Python's global random state alone."""

import random

import numpy as np
import tensorflow as tf

from dropoutmlp import DropoutMLPClassifier

# --------------------------------------------------------------------------
# The seed decides the model


def test_same_random_state_same_model(binary):
    X, y = binary
    params = dict(
        hidden_layer_sizes=(8,),
        input_dropout=0.2,
        dropout=0.3,
        epochs=15,
        early_stopping=True,
        n_iter_no_change=20,
        random_state=42,
    )
    a = DropoutMLPClassifier(**params).fit(X, y)
    b = DropoutMLPClassifier(**params).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    assert a.loss_curve_ == b.loss_curve_
    c = DropoutMLPClassifier(**params).set_params(random_state=43).fit(X, y)
    assert np.abs(a.predict_proba(X) - c.predict_proba(X)).max() > 1e-3


def test_random_state_instance_is_accepted(binary):
    X, y = binary
    a = DropoutMLPClassifier((8,), epochs=5, random_state=np.random.RandomState(1))
    b = DropoutMLPClassifier((8,), epochs=5, random_state=np.random.RandomState(1))
    np.testing.assert_allclose(
        a.fit(X, y).predict_proba(X), b.fit(X, y).predict_proba(X), atol=1e-6
    )


def test_random_state_none_works_and_varies(binary):
    X, y = binary
    a = DropoutMLPClassifier((8,), epochs=5, random_state=None).fit(X, y)
    b = DropoutMLPClassifier((8,), epochs=5, random_state=None).fit(X, y)
    assert a.predict_proba(X).shape == (len(X), 2)
    assert np.abs(a.predict_proba(X) - b.predict_proba(X)).max() > 1e-6


# --------------------------------------------------------------------------
# Global random state is left alone


def _op_determinism():
    # Public as tf.config.experimental.is_op_determinism_enabled in some
    # TensorFlow versions, only in tensorflow.python.framework.config in 2.21.
    public = getattr(tf.config.experimental, "is_op_determinism_enabled", None)
    if public is not None:
        return public()
    from tensorflow.python.framework import config

    return config.is_op_determinism_enabled()


def _draws():
    return tf.random.uniform((4,)).numpy()


def _fit_and_mc_predict(X, y):
    est = DropoutMLPClassifier((8,), dropout=0.3, epochs=3, random_state=0)
    est.fit(X, y)
    est.mc_predict_proba(X, n_samples=3, random_state=0)


def test_fit_leaves_tensorflow_global_state_alone(binary):
    X, y = binary
    determinism = _op_determinism()
    generator = tf.random.get_global_generator()
    twin = tf.random.Generator.from_state(
        generator.state.numpy().copy(), alg=generator.algorithm
    )

    # The global-seed op sequence, without and with a fit in between.
    tf.random.set_seed(1234)
    expected = [_draws(), _draws()]
    tf.random.set_seed(1234)
    first = _draws()
    _fit_and_mc_predict(X, y)
    second = _draws()
    np.testing.assert_array_equal(first, expected[0])
    np.testing.assert_array_equal(second, expected[1])

    assert _op_determinism() == determinism
    # The global generator was neither replaced, reseeded nor drawn from.
    assert tf.random.get_global_generator() is generator
    np.testing.assert_array_equal(generator.state.numpy(), twin.state.numpy())
    np.testing.assert_array_equal(
        generator.uniform((5,)).numpy(), twin.uniform((5,)).numpy()
    )


def test_fit_leaves_numpy_global_rng_alone(binary):
    X, y = binary
    before = np.random.get_state()  # noqa: NPY002
    _fit_and_mc_predict(X, y)
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == before[0]
    np.testing.assert_array_equal(after[1], before[1])
    assert after[2:] == before[2:]


def test_fit_leaves_python_global_rng_alone(binary):
    X, y = binary
    before = random.getstate()
    _fit_and_mc_predict(X, y)
    assert random.getstate() == before
