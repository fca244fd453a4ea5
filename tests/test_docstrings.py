"""The classifier's and the regressor's shared face is documented once.

Their constructors take the same parameters (but for a few of their own) and
fit the same attributes.  The entries the two docstrings share are written
once, in ``dropoutmlp._shared``, and composed into both; the two docstrings
must say the same about every shared parameter and attribute, except where
the two estimators really differ (named below with the reason), as
scikit-learn guards its own twin estimators with
``assert_docstring_consistency``.  That check also catches a shared entry
written out again, and changed, in one docstring.
"""

import ast
import inspect
import textwrap

import pytest
from numpydoc.docscrape import NumpyDocString
from sklearn.utils._testing import assert_docstring_consistency

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor, _shared

# Parameters whose text names each estimator's scikit-learn twin
# (MLPClassifier or MLPRegressor) or its target (accuracy, stratified
# classes; R², unstratified rows).
DIFFERING_PARAMS = [
    "hidden_layer_sizes",
    "alpha",
    "batch_size",
    "early_stopping",
    "validation_fraction",
    "tol",
    "random_state",  # the regressor's also seeds predict(X, return_std=True)
]
# Attributes that name the twin, the target's scale or the output layer.
DIFFERING_ATTRS = [
    "coefs_",
    "loss_",
    "loss_curve_",
    "eval_loss_curve_",
    "best_loss_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
    "validation_scores_",
    "model_",  # the regressor's predicts on the training (standardised) scale
]


# Each estimator's own entries (class_weight; standardize_target, mc_samples,
# target_mean_...) are not shared: the check says it skips them.
@pytest.mark.filterwarnings("ignore:Checking was skipped:UserWarning")
def test_shared_parameters_and_attributes_read_the_same():
    assert_docstring_consistency(
        [DropoutMLPClassifier, DropoutMLPRegressor],
        include_params=True,
        exclude_params=DIFFERING_PARAMS,
        include_attrs=True,
        exclude_attrs=DIFFERING_ATTRS,
    )


def test_the_differing_entries_exist_in_both():
    # An entry renamed or removed must leave these lists too.
    for estimator in (DropoutMLPClassifier, DropoutMLPRegressor):
        params = estimator().get_params()
        for name in DIFFERING_PARAMS:
            assert name in params, (estimator.__name__, name)
            assert f"    {name} :" in estimator.__doc__
        for name in DIFFERING_ATTRS:
            assert f"    {name} :" in estimator.__doc__, (estimator.__name__, name)


@pytest.mark.parametrize("estimator", [DropoutMLPClassifier, DropoutMLPRegressor])
def test_docstring_lists_the_signature_in_order_with_its_defaults(estimator):
    signature = inspect.signature(estimator).parameters
    documented = NumpyDocString(estimator.__doc__)["Parameters"]
    assert [p.name for p in documented] == [*signature, "**kwargs"]
    for entry in documented[:-1]:
        default = ast.literal_eval(entry.type.rpartition("default=")[2])
        expected = signature[entry.name].default
        assert (default, type(default)) == (expected, type(expected)), entry.name


def test_every_shared_entry_is_in_both_docstrings():
    for text in _shared._DOCS.values():
        entry = textwrap.indent(text.strip(), "    ")
        assert entry in DropoutMLPClassifier.__doc__
        assert entry in DropoutMLPRegressor.__doc__
