"""sample_weight and class_weight: a weight scales a row's loss, a zero
weight drops the row, and a class weight is the sample weight of its
class's rows (combined with sample_weight by product)."""

import numpy as np
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from dropoutmlp import DropoutMLPClassifier

SMALL = dict(
    hidden_layer_sizes=(8,),
    epochs=20,
    batch_size=32,
    learning_rate=0.02,
    random_state=0,
)


# --------------------------------------------------------------------------
# sample_weight


def test_zero_sample_weight_equals_dropping_rows(binary):
    X, y = binary
    sw = np.ones(len(y))
    sw[::4] = 0.0
    keep = sw > 0
    weighted = DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=sw)
    dropped = DropoutMLPClassifier(**SMALL).fit(X[keep], y[keep])
    np.testing.assert_allclose(
        weighted.predict_proba(X), dropped.predict_proba(X), atol=1e-6
    )


def test_sample_weight_changes_the_model(binary):
    X, y = binary
    plain = DropoutMLPClassifier(**SMALL).fit(X, y)
    ones = DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(plain.predict_proba(X), ones.predict_proba(X), atol=1e-6)
    sw = np.where(y == 1, 10.0, 1.0)
    heavy = DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=sw)
    # Up-weighting class 1 raises its predicted probability.
    assert heavy.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean()


# --------------------------------------------------------------------------
# class_weight


def test_class_weight_equals_sample_weight(multiclass):
    X, y = multiclass
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    by_class = DropoutMLPClassifier(class_weight=cw, **SMALL).fit(X, y)
    by_row = DropoutMLPClassifier(**SMALL).fit(
        X, y, sample_weight=np.array([cw[c] for c in y])
    )
    plain = DropoutMLPClassifier(**SMALL).fit(X, y)
    np.testing.assert_allclose(
        by_class.predict_proba(X), by_row.predict_proba(X), atol=1e-6
    )
    assert np.abs(by_class.predict_proba(X) - plain.predict_proba(X)).max() > 1e-3


def test_zero_class_weight_drops_the_class_rows(binary):
    X, y = binary
    by_class = DropoutMLPClassifier(**SMALL, class_weight={0: 0.0, 1: 1.0}).fit(X, y)
    by_row = DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=(y == 1) * 1.0)
    np.testing.assert_allclose(
        by_class.predict_proba(X), by_row.predict_proba(X), atol=1e-6
    )


def test_balanced_class_weight_favours_the_minority():
    X, y = make_classification(
        200,
        6,
        n_informative=3,
        n_redundant=0,
        weights=[0.9, 0.1],
        class_sep=0.5,
        flip_y=0.05,
        random_state=3,
    )
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(8,), epochs=15, random_state=0)
    plain = DropoutMLPClassifier(**params).fit(X, y)
    balanced = DropoutMLPClassifier(class_weight="balanced", **params).fit(X, y)
    by_row = DropoutMLPClassifier(**params).fit(
        X, y, sample_weight=compute_sample_weight("balanced", y)
    )
    np.testing.assert_allclose(
        balanced.predict_proba(X), by_row.predict_proba(X), atol=1e-6
    )
    minority = 1
    assert np.bincount(y)[minority] < 0.2 * len(y)
    assert (balanced.predict(X) == minority).sum() > (
        plain.predict(X) == minority
    ).sum()
    assert (
        balanced.predict_proba(X)[:, minority].mean()
        > plain.predict_proba(X)[:, minority].mean()
    )


def test_class_weight_combines_with_sample_weight(binary):
    X, y = binary
    sw = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    cw = {0: 2.0, 1: 1.0}
    both = DropoutMLPClassifier(class_weight=cw, **SMALL).fit(X, y, sample_weight=sw)
    product = DropoutMLPClassifier(**SMALL).fit(
        X, y, sample_weight=sw * np.where(y == 0, 2.0, 1.0)
    )
    np.testing.assert_allclose(
        both.predict_proba(X), product.predict_proba(X), atol=1e-6
    )
