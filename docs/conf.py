# Sphinx configuration for custseg's docs site (built by tools/build_docs.py, `make docs`; see DEVELOPERS.md).
# Offline by design: no script, style sheet or font comes from another server (tests/test_docs.py checks).
import configparser, re, shutil
from pathlib import Path

_cfg = configparser.ConfigParser(); _cfg.read(Path(__file__).resolve().parents[1] / "settings.ini")
project = _cfg["DEFAULT"]["title"]
author = _cfg["DEFAULT"]["author"]
copyright = _cfg["DEFAULT"]["copyright"]
release = version = _cfg["DEFAULT"]["version"]

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.autosummary", "sphinx.ext.viewcode"]
root_doc = "index"
exclude_patterns = [".doctrees", "**.ipynb_checkpoints"]

# Notebooks are shown with the outputs stored in them; the docs build never runs them.
nb_execution_mode = "off"
nb_merge_streams = True
nb_ipywidgets_js = {}          # widget JS would come from a CDN; progress bars fall back to their text
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "dollarmath"]
# Formulas ($...$, $$...$$) with MathJax 2 from the jupyter-server-mathjax package, copied into the site; Sphinx's
# default would load MathJax from a CDN. Without the package the formulas stay unrendered, never fetched.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure"]

# API pages: signatures, type hints and nbdev's docments (`x:int, # what x is`) as parameter lists.
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "all"
autodoc_preserve_defaults = True
autoclass_content = "class"
add_module_names = False
default_role = "code"          # `x` in a docstring is code, as in the notebooks' Markdown


def _rst_safe(line: str) -> str:
    "nbdev docstrings are Markdown-ish: outside `code`, escape what reST would read as markup (`|x|`, `name_`)."
    if line.lstrip().startswith((":", "..")): return line   # a reST field or directive written as such
    parts = re.split(r"(`[^`]+`)", line)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"(\w)_(?=\W|$)", r"\1\\_", parts[i].replace("|", "\\|"))
    return "".join(parts)


def _docments_fields(app, what, name, obj, options, lines):
    "Turn nbdev docments (comments after parameters) into `:param:`/`:returns:` fields autodoc renders."
    if what in ("data", "attribute") and getattr(obj, "__doc__", None) == getattr(type(obj), "__doc__", None):
        lines[:] = []   # a constant without a doc comment: not the docstring of its type (dict, list, re.Pattern)
    lines[:] = [_rst_safe(l) for l in lines]
    if what not in ("function", "method", "class"): return
    try:
        from fastcore.docments import docments
        target = obj.__init__ if what == "class" and not hasattr(obj, "__dataclass_fields__") else obj
        if what == "class" and target is object.__init__: return
        docs = docments(target, full=False)
    except Exception: return
    have = "\n".join(lines)
    extra = [f":param {k}: {_rst_safe(v)}" for k, v in docs.items()
             if v and k not in ("return", "self") and f":param {k}:" not in have]
    if docs.get("return") and ":returns:" not in have: extra.append(f":returns: {_rst_safe(docs['return'])}")
    if extra: lines.extend(["", *extra])


def _skip_member(app, what, name, obj, skip, options):
    "scikit-learn generates `set_*_request` methods on every estimator; they are not custseg's API."
    if name.startswith("set_") and name.endswith("_request"): return True
    return None


def _copy_mathjax(app, exc):
    try: import jupyter_server_mathjax
    except ImportError: return
    if exc is None and app.builder.format == "html":
        shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", Path(app.outdir) / "_static" / "mathjax",
                        dirs_exist_ok=True)


def setup(app):
    app.connect("build-finished", _copy_mathjax)
    app.connect("autodoc-process-docstring", _docments_fields)
    app.connect("autodoc-skip-member", _skip_member)


html_theme = "furo"
html_title = f"{project} {release}"
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_static_path = ["_static"]
html_css_files = ["custseg.css"]
