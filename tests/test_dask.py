"""GridSearchCV through joblib on a Dask cluster gives the scores of n_jobs=1.

A two-process ``distributed.LocalCluster`` on loopback stands in for several
machines: the estimators are pickled to other Python processes, each with its
own TensorFlow, and an int ``random_state`` must still give the same models.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from dropoutmlp import DropoutMLPClassifier

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

# One TensorFlow thread per worker process: the workers share the machine.
WORKER_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "OMP_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}


@pytest.fixture(scope="module")
def client(request, deadline):
    with deadline(180, "starting a two-worker LocalCluster"):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env=WORKER_ENV,
        )
        client = distributed.Client(cluster, timeout=60)

    def close():
        with deadline(120, "closing the LocalCluster"):
            client.close(timeout=60)
            cluster.close(timeout=60)

    request.addfinalizer(close)
    return client


def dropout_search() -> GridSearchCV:
    return GridSearchCV(
        DropoutMLPClassifier((16,), epochs=15, batch_size=16, random_state=0),
        {"dropout": [0.0, 0.1, 0.3, 0.5]},
        cv=3,
        refit=False,
    )


def test_grid_search_on_dask_matches_serial(client, deadline):
    X, y = make_classification(
        n_samples=150, n_features=8, n_informative=5, random_state=0
    )
    serial = dropout_search().set_params(n_jobs=1).fit(X, y)
    with deadline(600, "the grid search on the Dask workers"):
        with distributed.get_task_stream(client) as tasks:
            with joblib.parallel_backend("dask"):
                on_dask = dropout_search().fit(X, y)
    # The fits ran in the worker processes, on both workers.
    workers = {task["worker"] for task in tasks.data}
    assert workers == set(client.scheduler_info()["workers"])
    assert len(tasks.data) >= 4 * 3
    # ... and scored exactly as in this process.
    for key in ["mean_test_score", *(f"split{k}_test_score" for k in range(3))]:
        np.testing.assert_allclose(
            on_dask.cv_results_[key], serial.cv_results_[key], rtol=0, atol=1e-6
        )
    assert on_dask.best_params_ == serial.best_params_
    # Dropout changes the models: the grid points do not all score the same.
    assert np.ptp(serial.cv_results_["mean_test_score"]) > 0
