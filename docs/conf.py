"""Sphinx configuration of the dropoutmlp documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html``.  The
sphinx-gallery examples in ``docs/examples`` run during the build; set
``DROPOUTMLP_DOCS_QUICK=1`` to run them with few folds and epochs (the CI
build), leave it unset to run the real protocol.  Nothing is downloaded: the
Sonar example reads the file named by ``DROPOUTMLP_SONAR``, which defaults here
to ``../shared/data/sonar.csv`` next to the repository when that file exists,
and falls back to a bundled scikit-learn data set otherwise.

The Sonar figures of the user guide are not computed here: they are the files
in ``docs/results``, which ``python docs/results/regenerate.py`` writes and
``tests/test_docs_figures.py`` checks against a fresh run; this build only
draws their plots (into ``docs/_generated``).
"""

import csv
import os
import sys
from pathlib import Path

_DOCS = Path(__file__).resolve().parent
_ROOT = _DOCS.parent
sys.path.insert(0, str(_DOCS))  # _inventories

import _inventories  # noqa: E402

import dropoutmlp  # noqa: E402
from dropoutmlp._cli import _quiet_tensorflow  # noqa: E402

# The build log shows Sphinx's messages, not TensorFlow's start-up lines.
_quiet_tensorflow()

_LOCAL_SONAR = _ROOT.parent / "shared" / "data" / "sonar.csv"
if not os.environ.get("DROPOUTMLP_SONAR") and _LOCAL_SONAR.is_file():
    os.environ["DROPOUTMLP_SONAR"] = str(_LOCAL_SONAR)

project = "dropoutmlp"
author = "dropoutmlp developers"
copyright = "2026, dropoutmlp developers"
release = dropoutmlp.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

# examples/ holds the gallery sources; sphinx-gallery renders them into
# auto_examples/.  results/ holds the included figures (and their script).
exclude_patterns = ["_build", "examples", "Thumbs.db", ".DS_Store"]
templates_path = []
default_role = "literal"

# -- intersphinx, offline -----------------------------------------------------
# The build has no network, so the projects' objects.inv cannot be fetched:
# _inventories writes equivalent inventories from the installed packages (see
# its docstring) and intersphinx reads those local files.
intersphinx_mapping = _inventories.build(_DOCS / "_build" / "inventories")

# -- autodoc / numpydoc -------------------------------------------------------
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = True
numpydoc_xref_aliases = {
    "ndarray": "numpy.ndarray",
    "Pipeline": "sklearn.pipeline.Pipeline",
    "Bunch": "sklearn.utils.Bunch",
    "Figure": "matplotlib.figure.Figure",
    "keras.Sequential": "keras.Sequential",
    "keras.Model": "keras.Model",
}
numpydoc_xref_ignore = {
    "of",
    "or",
    "and",
    "shape",
    "default",
    "optional",
    "n_samples",
    "n_features",
    "n_classes",
    "n_outputs",
    "n_layers",
    "n_folds",
    "n_rows",
    "n_cols",
    "array-like",
    "sparse",
    "matrix",
    "to",
    "the",
    "a",
    "one",
    "per",
    "hidden",
    "layer",
    "instance",
    "name",
    "names",
    "class",
    "mapping",
    "sequence",
    "path-like",
    "file",
    "callable",
    "estimators",
    "keras",
}

# -- sphinx-gallery -----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "abort_on_example_error": True,
    "show_memory": False,
    # The examples print what they mean to show; no repr of a last expression.
    "capture_repr": (),
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"dropoutmlp {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
# Pages without sub-pages have no section navigation: give them the width.
html_sidebars = {
    "install": [],
    "quickstart": [],
    "api": [],
    "scaling": [],
}
# The API page's right-hand contents: "fit()", not "DropoutMLPClassifier.fit()".
toc_object_entries_show_parents = "hide"


# -- The user guide's plots of docs/results -----------------------------------
def _read_csv(name: str) -> list[dict]:
    with open(_DOCS / "results" / name, newline="") as f:
        return list(csv.DictReader(f))


def _results_figures(app) -> None:
    """Draw the plots of docs/results/*.csv into docs/_generated."""
    from dropoutmlp import ARTICLE_RESULTS
    from dropoutmlp._figures import compare_box_plot, grid_cells, grid_heatmap

    out = _DOCS / "_generated"
    out.mkdir(exist_ok=True)

    rows = _read_csv("sonar_compare.csv")
    folds = [k for k in rows[0] if k.startswith("split")]
    fig = compare_box_plot(
        {r["model"]: [100 * float(r[k]) for k in folds] for r in rows},
        title=f"Sonar: fold accuracies of {len(folds)}-fold CV",
        article_means={name: mean for name, (mean, _) in ARTICLE_RESULTS.items()},
    )
    fig.savefig(out / "sonar_compare.png", dpi=100)

    rows = _read_csv("sonar_grid.csv")
    params = [
        {
            "input_dropout": float(r["param_input_dropout"]),
            "dropout": float(r["param_dropout"]),
        }
        for r in rows
    ]
    cells = grid_cells(
        params,
        [100 * float(r["mean_test_score"]) for r in rows],
        [int(r["single_class_folds"]) > 0 for r in rows],
    )
    folds = sum(k.startswith("split") for k in rows[0])
    fig = grid_heatmap(*cells, title=f"Sonar: mean {folds}-fold CV accuracy (%)")
    fig.savefig(out / "sonar_grid.png", dpi=100)


def setup(app):
    app.connect("builder-inited", _results_figures)
