"""Sphinx configuration of the dropoutmlp documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html``.  The
sphinx-gallery examples in ``docs/examples`` run during the build; set
``DROPOUTMLP_DOCS_QUICK=1`` to run them with few folds and epochs (the CI
build), leave it unset to run the real protocol.  Nothing is downloaded: the
Sonar example reads the file named by ``DROPOUTMLP_SONAR``, which defaults here
to ``../shared/data/sonar.csv`` next to the repository when that file exists,
and falls back to a bundled scikit-learn data set otherwise.
"""

import os
from pathlib import Path

import dropoutmlp

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_ROOT = Path(__file__).resolve().parents[1]
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
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

# examples/ holds the gallery sources; sphinx-gallery renders them into
# auto_examples/.
exclude_patterns = ["_build", "examples", "Thumbs.db", ".DS_Store"]
templates_path = []
default_role = "literal"

# -- autodoc / numpydoc -------------------------------------------------------
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

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
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"dropoutmlp {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_sidebars = {"install": [], "quickstart": []}

