"""Intersphinx inventories of scikit-learn, NumPy, matplotlib, Keras and
TensorFlow, built offline from the installed packages.

The documentation builds without network access (CI has none), so Sphinx
cannot download the projects' ``objects.inv``.  Instead this module lists
each project's public objects by importing it and writes a Sphinx inventory
(version 2) that maps every object to its page under the project's documented
URL scheme: ``modules/generated/<name>.html`` for scikit-learn,
``reference/generated/<name>.html`` for NumPy, ``api/_as_gen/<name>.html`` for
matplotlib.  Keras and TensorFlow do not publish Sphinx inventories at all;
the few objects these pages refer to are mapped to their keras.io and
tensorflow.org pages by hand.  ``conf.py`` writes the files at build time and
points ``intersphinx_mapping`` at them, so an object the pages mention links
to the version-independent ("stable") documentation of its project.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import zlib
from pathlib import Path

# Keras (keras.io) and TensorFlow (tensorflow.org): hand-made, by object.
KERAS = {
    "keras.Sequential": "api/models/sequential/",
    "keras.Model": "api/models/model/",
    "keras.Model.fit": "api/models/model_training_apis/#fit-method",
    "keras.layers.Dense": "api/layers/core_layers/dense/",
    "keras.layers.Dropout": "api/layers/regularization_layers/dropout/",
    "keras.layers.Input": "api/layers/core_layers/input/",
    "keras.constraints.MaxNorm": "api/layers/constraints/#maxnorm-class",
    "keras.optimizers.SGD": "api/optimizers/sgd/",
    "keras.optimizers.Adam": "api/optimizers/adam/",
    "keras.optimizers.RMSprop": "api/optimizers/rmsprop/",
    "keras.callbacks.Callback": "api/callbacks/base_callback/",
    "keras.callbacks.EarlyStopping": "api/callbacks/early_stopping/",
    "keras.initializers.RandomNormal": "api/layers/initializers/#randomnormal-class",
    "keras.utils.Progbar": "api/utils/python_utils/#progbar-class",
}
TENSORFLOW = ["tf.function", "tf.random.set_seed", "tf.config.threading"]
# Python: the builtins, glossary terms and labels numpydoc's type links use.
PYTHON_CLASSES = ("bool", "int", "float", "str", "list", "tuple", "dict", "set", "type")
PYTHON_TERMS = ("sequence", "iterable", "mapping", "path-like object", "file object")


def _entries_of_module(module_name: str, uri) -> list[tuple[str, str, str]]:
    """``(name, role, uri)`` of the public classes and functions of a module."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:  # an optional dependency of the project is missing
        return []
    entries = []
    for name in getattr(module, "__all__", []):
        try:
            obj = getattr(module, name)
        except (AttributeError, ImportError):  # e.g. experimental estimators
            continue
        full = f"{module_name}.{name}"
        if inspect.isclass(obj):
            entries.append((full, "py:class", uri(full)))
            for attr in dir(obj):
                if not attr.startswith("_") and callable(getattr(obj, attr, None)):
                    entries.append((f"{full}.{attr}", "py:method", uri(full)))
        elif callable(obj):
            entries.append((full, "py:function", uri(full)))
    return entries


def sklearn_entries() -> list[tuple[str, str, str]]:
    import sklearn

    entries = []
    for sub in sklearn.__all__:
        if sub.startswith("_") or sub in ("show_versions", "clone"):
            continue
        entries += _entries_of_module(
            f"sklearn.{sub}", lambda full: f"modules/generated/{full}.html"
        )
    return entries


def numpy_entries() -> list[tuple[str, str, str]]:
    import numpy as np

    uri = "reference/generated/{}.html".format
    entries = []
    for name in dir(np):
        obj = getattr(np, name)
        if name.startswith("_") or inspect.ismodule(obj):
            continue
        # Classes other than these (the scalar types) have no page of their own.
        full = f"numpy.{name}"
        if name in ("ndarray", "dtype"):
            entries.append((full, "py:class", uri(full)))
        elif callable(obj) and not inspect.isclass(obj):
            entries.append((full, "py:function", uri(full)))
    entries.append(("array_like", "std:term", "glossary.html#term-array_like"))
    for method in ("mean", "std", "reshape", "ravel", "astype"):
        entries.append(
            (f"numpy.ndarray.{method}", "py:method", uri(f"numpy.ndarray.{method}"))
        )
    entries.append(
        ("numpy.random.RandomState", "py:class", "reference/random/legacy.html")
    )
    entries.append(
        ("numpy.random.Generator", "py:class", "reference/random/generator.html")
    )
    return entries


def matplotlib_entries() -> list[tuple[str, str, str]]:
    from matplotlib import axes, figure, pyplot

    uri = "api/_as_gen/{}.html".format
    entries = [
        ("matplotlib.figure.Figure", "py:class", uri("matplotlib.figure.Figure")),
        ("matplotlib.axes.Axes", "py:class", "api/axes_api.html"),
    ]
    for name in dir(figure.Figure):
        if not name.startswith("_"):
            full = f"matplotlib.figure.Figure.{name}"
            entries.append((full, "py:method", uri("matplotlib.figure.Figure")))
    for name in dir(axes.Axes):
        if not name.startswith("_"):
            full = f"matplotlib.axes.Axes.{name}"
            entries.append((full, "py:method", uri(full)))
    for name in pyplot.__all__ if hasattr(pyplot, "__all__") else dir(pyplot):
        if not name.startswith("_") and inspect.isfunction(getattr(pyplot, name, None)):
            full = f"matplotlib.pyplot.{name}"
            entries.append((full, "py:function", uri(full)))
    return entries


def keras_entries() -> list[tuple[str, str, str]]:
    return [
        (name, "py:method" if name.endswith(".fit") else "py:class", page)
        for name, page in KERAS.items()
    ]


def tensorflow_entries() -> list[tuple[str, str, str]]:
    return [
        (name, "py:function", "api_docs/python/" + name.replace(".", "/"))
        for name in TENSORFLOW
    ]


def python_entries() -> list[tuple[str, str, str]]:
    entries = [
        (name, "py:class", f"library/functions.html#{name}") for name in PYTHON_CLASSES
    ]
    entries += [
        ("None", "py:data", "library/constants.html#None"),
        ("callable", "py:function", "library/functions.html#callable"),
        (
            "bltin-boolean-values",
            "std:label",
            "library/stdtypes.html#boolean-type-bool",
        ),
    ]
    entries += [
        (term, "std:term", "glossary.html#term-" + term.replace(" ", "-"))
        for term in PYTHON_TERMS
    ]
    return entries


def write_inventory(path: Path, project: str, version: str, base: str, entries) -> None:
    """A Sphinx inventory (version 2) of ``entries``, each linking to its anchor."""
    lines = []
    for name, role, uri in dict.fromkeys(entries):
        # Sphinx projects anchor every object on its page; keras.io and
        # tensorflow.org pages are one object each, or carry their own anchor.
        anchor = (
            "" if "#" in uri or "keras.io" in base or "tensorflow" in base else "#$"
        )
        priority = -1 if role.startswith("std:") else 1
        shown = "Boolean values" if role == "std:label" else "-"
        lines.append(f"{name} {role} {priority} {uri}{anchor} {shown}\n")
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress("".join(lines).encode()))


def build(folder: Path) -> dict[str, tuple[str, str]]:
    """Write the inventories into ``folder``; return ``intersphinx_mapping``."""
    import keras
    import matplotlib
    import numpy
    import sklearn
    import tensorflow

    folder.mkdir(parents=True, exist_ok=True)
    projects = {
        "sklearn": (
            "scikit-learn",
            sklearn.__version__,
            "https://scikit-learn.org/stable/",
            sklearn_entries,
        ),
        "numpy": (
            "NumPy",
            numpy.__version__,
            "https://numpy.org/doc/stable/",
            numpy_entries,
        ),
        "matplotlib": (
            "Matplotlib",
            matplotlib.__version__,
            "https://matplotlib.org/stable/",
            matplotlib_entries,
        ),
        "keras": ("Keras", keras.__version__, "https://keras.io/", keras_entries),
        "python": (
            "Python",
            sys.version.split()[0],
            f"https://docs.python.org/{sys.version_info[0]}/",
            python_entries,
        ),
        "tensorflow": (
            "TensorFlow",
            tensorflow.__version__,
            "https://www.tensorflow.org/",
            tensorflow_entries,
        ),
    }
    mapping = {}
    for key, (project, version, url, entries) in projects.items():
        path = folder / f"{key}.inv"
        write_inventory(path, project, version, url, entries())
        mapping[key] = (url, str(path))
    return mapping
