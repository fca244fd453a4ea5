"""With dropout on, the three training paths agree in distribution.

The compiled (XLA) program draws its masks from the counter-based hash, the
graph program from TensorFlow's Philox and Keras' ``Model.fit`` from its own
``Dropout`` layers, so with dropout their fits differ mask by mask and can
only agree statistically.  On Sonar, over 3 seeds x 5 folds, with every
feature on (input and hidden dropout, max-norm, L2, Nesterov momentum, class
weights, a partial last batch), each path's cross-validated accuracy and
training loss must match ``Model.fit``'s within noise.  Without dropout the
paths agree fit by fit (``test_engine.py``).
"""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dropoutmlp import DropoutMLPClassifier

PARAMS = dict(
    hidden_layer_sizes=(60, 30),
    input_dropout=0.2,
    dropout=0.3,
    max_norm=3.0,
    alpha=1e-3,
    kernel_initializer="normal",
    optimizer="sgd",
    learning_rate=0.05,
    momentum=0.9,
    nesterov=True,
    class_weight="balanced",
    batch_size=16,
    epochs=40,
    n_iter_no_change=np.inf,
)
SEEDS = (0, 1, 2)
Z = 3.5  # a two-sided bound with about 1 false alarm in 2,000 runs


def _cross_validate(X, y, engine, **changes):
    """Fold accuracies and final training losses of 3 seeds x 5 folds."""
    params = {**PARAMS, **changes, "engine": engine}
    accuracies, losses = [], []
    for seed in SEEDS:
        folds = StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y)
        for train, test in folds:
            model = make_pipeline(
                StandardScaler(),
                DropoutMLPClassifier(**params, random_state=seed),
            ).fit(X[train], y[train])
            net = model[-1]
            assert net.engine_ == engine
            accuracies.append(model.score(X[test], y[test]))
            losses.append(np.mean(net.loss_curve_[-10:]))
    return np.array(accuracies), np.array(losses)


@pytest.fixture(scope="module")
def keras_runs(sonar):
    return _cross_validate(*sonar, "keras")


def _within_noise(a, b, what):
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert abs(a.mean() - b.mean()) < Z * se, (
        f"{what}: {a.mean():.4f} vs Model.fit's {b.mean():.4f} (standard error "
        f"of the difference {se:.4f})"
    )


def test_dropout_fits_match_model_fit_within_noise(sonar, keras_runs, engine):
    accuracies, losses = _cross_validate(*sonar, engine)
    keras_accuracies, keras_losses = keras_runs
    _within_noise(accuracies, keras_accuracies, "CV accuracy")
    _within_noise(losses, keras_losses, "training loss (last 10 epochs)")


def test_the_loss_comparison_sees_dropout(sonar, keras_runs):
    # The bound above is tight enough to tell dropout from none: the same
    # fits without dropout reach a clearly lower training loss.
    _, losses = _cross_validate(*sonar, "xla", input_dropout=0.0, dropout=0.0)
    with pytest.raises(AssertionError, match="training loss"):
        _within_noise(losses, keras_runs[1], "training loss (last 10 epochs)")
