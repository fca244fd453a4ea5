"""Sparse input (CSR, CSC) everywhere, never densified whole; a TF-IDF pipeline."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor, _engine

PARAMS = dict(hidden_layer_sizes=(8,), epochs=4, batch_size=16, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(60, 12, n_informative=4, random_state=0)
    X[np.abs(X) < 0.8] = 0.0  # mostly zeros
    return X, y


@pytest.fixture
def engine_inputs(monkeypatch):
    """The type of every x the training engine and the predictors receive."""
    seen = []
    for name in ("train", "predict", "mc_predict"):
        real = getattr(_engine, name)

        def spy(model, *args, _real=real, _name=name, **kwargs):
            x = args[{"train": 2, "predict": 1, "mc_predict": 1}[_name]]
            seen.append((_name, type(x).__name__))
            return _real(model, *args, **kwargs)

        monkeypatch.setattr(_engine, name, spy)
    return seen


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_classifier_sparse_equals_dense(data, fmt, engine_inputs):
    X, y = data
    X_sparse = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)

    def outputs(X):
        est = DropoutMLPClassifier(**PARAMS, dropout=0.3).fit(X, y)
        return [
            est.loss_curve_,
            est.predict_proba(X),
            est.predict(X),
            est.predict_log_proba(X),
            *est.mc_predict_proba(X, n_samples=4, random_state=0),
        ]

    dense = outputs(X)
    engine_inputs.clear()
    for a, b in zip(outputs(X_sparse), dense, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    # The matrix reached the engine sparse (it densifies one batch at a time).
    assert {kind for _, kind in engine_inputs} == {"csr_matrix"}
    assert {name for name, _ in engine_inputs} == {"train", "predict", "mc_predict"}


def test_regressor_sparse_equals_dense(data):
    X, _ = data
    y = X[:, 0] - 2 * X[:, 1]
    X_sparse = sp.csr_matrix(X)
    dense = DropoutMLPRegressor(**PARAMS).fit(X, y)
    sparse = DropoutMLPRegressor(**PARAMS).fit(X_sparse, y)
    np.testing.assert_allclose(sparse.predict(X_sparse), dense.predict(X), atol=1e-5)
    for a, b in zip(
        sparse.predict(X_sparse, return_std=True),
        dense.predict(X, return_std=True),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_sparse_partial_fit_and_early_stopping(data):
    X, y = data
    X_sparse = sp.csr_matrix(X)
    streamed = DropoutMLPClassifier(**PARAMS)
    streamed.partial_fit(X_sparse[:30], y[:30], classes=[0, 1])
    streamed.partial_fit(X_sparse[30:], y[30:])
    dense = DropoutMLPClassifier(**PARAMS)
    dense.partial_fit(X[:30], y[:30], classes=[0, 1])
    dense.partial_fit(X[30:], y[30:])
    np.testing.assert_allclose(
        streamed.predict_proba(X_sparse), dense.predict_proba(X), atol=1e-6
    )
    stopped = DropoutMLPClassifier(
        **{**PARAMS, "epochs": 30}, early_stopping=True, n_iter_no_change=2
    ).fit(X_sparse, y)
    assert len(stopped.validation_scores_) == stopped.n_iter_


def test_sparse_values_beyond_float32_are_rejected(data):
    X, y = data
    X = sp.csr_matrix(X)
    X.data[0] = 1e39
    with pytest.raises(ValueError, match="float32"):
        DropoutMLPClassifier(**PARAMS).fit(X, y)


def _texts(n, seed):
    """Short documents about two topics, with shared filler words."""
    rng = np.random.RandomState(seed)
    topics = [
        "goal match striker league referee penalty season coach stadium fans".split(),
        "vote election senate policy minister budget party campaign law debate".split(),
    ]
    filler = "the a of and to in on with today new report says".split()
    docs, labels = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(topics[label], 4)) + list(rng.choice(filler, 6))
        if rng.rand() < 0.3:  # a word of the other topic
            words.append(rng.choice(topics[1 - label]))
        rng.shuffle(words)
        docs.append(" ".join(words))
        labels.append(["sport", "politics"][label])
    return docs, np.array(labels)


def test_tfidf_pipeline(engine_inputs):
    docs, labels = _texts(200, seed=0)
    train_docs, test_docs, y_train, y_test = train_test_split(
        docs, labels, test_size=0.3, random_state=0, stratify=labels
    )
    pipe = make_pipeline(
        TfidfVectorizer(),
        DropoutMLPClassifier(
            (16,), dropout=0.3, learning_rate=0.01, epochs=30, random_state=0
        ),
    ).fit(train_docs, y_train)
    assert sp.issparse(pipe[0].transform(test_docs))
    assert ("train", "csr_matrix") in engine_inputs
    assert pipe.score(test_docs, y_test) > 0.9
    assert set(pipe.predict(["striker penalty goal"])) == {"sport"}
    mean, std = pipe[-1].mc_predict_proba(
        pipe[0].transform(["senate budget vote"]), n_samples=10, random_state=0
    )
    assert pipe[-1].classes_[mean.argmax()] == "politics"
