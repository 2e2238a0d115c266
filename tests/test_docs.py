"""The docs site (`make docs`, tools/build_docs.py): a quick build of the index, two notebooks and the API pages.

Checks what a reader relies on: each built notebook has its page and the navigation lists every notebook in reading
order, stored plots appear as images, every public name of custseg is on an API page with its parameter docs, search
is there, and no page loads a script, style sheet, font or image from another server. Skipped when the docs extra
(sphinx, myst-nb, furo) is not installed. Also: nbdev_clean, as configured, keeps outputs, the kernelspec and the
papermill `parameters` tag of the report notebook.
"""
import importlib, re, sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
NOTEBOOKS = ["00_privacy", "08_report"]   # small pages; a PNG output is added to one of them below

# src/href of tags that make a browser fetch something, and url()/@import in style sheets
_TAG_URL = re.compile(r"<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*?\s(?:src|href)\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.I)
_CSS_URL = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"'])((?:https?:)?//[^\"')\s]+)", re.I)
_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def external_urls(site: Path) -> list[str]:
    "Every http(s) or protocol-relative URL a page of `site` would load (scripts, styles, fonts, images, frames)."
    found = []
    for p in site.rglob("*"):
        if p.suffix == ".html": found += [f"{p.name}: {u}" for u in _TAG_URL.findall(p.read_text(encoding="utf-8"))]
        elif p.suffix == ".css": found += [f"{p.name}: {u}" for u in _CSS_URL.findall(p.read_text(encoding="utf-8"))]
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory, monkeypatch_module):
    for m in ("sphinx", "myst_nb", "furo"): pytest.importorskip(m)
    import build_docs
    tmp = tmp_path_factory.mktemp("docs")
    # a stored plot in one notebook: the docs must show outputs as they are stored, without running anything
    nbs = tmp / "nbs"; nbs.mkdir()
    for p in (ROOT / "nbs").glob("*.ipynb"):
        nb = nbformat.read(p, as_version=4)
        if p.stem == NOTEBOOKS[0]:
            code = next(c for c in nb.cells if c.cell_type == "code" and "#|" not in c.source)
            code.outputs = [nbformat.v4.new_output("display_data", {"image/png": _PNG, "text/plain": "<Figure>"})]
        nbformat.write(nb, nbs / p.name)
    monkeypatch_module.setattr(build_docs, "NBS", nbs)
    return build_docs.build(out=tmp / "_docs", src=tmp / "_docs_src", only=NOTEBOOKS)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch(); yield mp; mp.undo()


def test_pages_and_navigation(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    for name in NOTEBOOKS: assert (site / f"{name}.html").exists(), name
    main = index[index.index('id="notebooks"'):]          # the page's own list, not the sidebar's copy of it
    pages = re.findall(r'class="toctree-l1"><a class="reference internal" href="(\w+)\.html">', main)
    assert pages == sorted(pages) and set(NOTEBOOKS) <= set(pages), pages   # reading order = file-name order
    assert "00 · " in index and 'href="api/index.html"' in index
    assert (site / "search.html").exists() and (site / "searchindex.js").exists()
    assert "privacy" in (site / "searchindex.js").read_text(encoding="utf-8")


def test_stored_outputs_are_rendered(site):
    page = (site / f"{NOTEBOOKS[0]}.html").read_text(encoding="utf-8")
    imgs = re.findall(r'<img[^>]+src="(_images/[^"]+\.png)"', page)
    assert imgs and all((site / i).exists() for i in imgs), imgs
    assert "#|" not in page                       # nbdev directives are not shown to the reader


def test_api_reference(site):
    import custseg.privacy, custseg.report
    for mod in (custseg.privacy, custseg.report):
        page = (site / "api" / f"{mod.__name__.split('.')[-1]}.html").read_text(encoding="utf-8")
        for name in mod.__all__: assert f'id="{mod.__name__}.{name}"' in page, name
    page = (site / "api" / "privacy.html").read_text(encoding="utf-8")
    # signature, docstring and the docments comment of a parameter (`text:str|None, # free text; ...`)
    assert "Mask e-mails" in page and "free text" in page


def test_nothing_loaded_from_another_server(site):
    assert external_urls(site) == []


def test_external_url_check_would_fail():
    assert external_urls_in('<script src="https://cdn.example.org/x.js"></script><link href="//fonts.example/x.css">') == \
        ["https://cdn.example.org/x.js", "//fonts.example/x.css"]
    assert external_urls_in('<a href="https://example.org">a link is fine</a><img src="_images/a.png">') == []


def external_urls_in(html: str) -> list[str]: return _TAG_URL.findall(html)


def test_clean_keeps_outputs_kernelspec_and_parameters_tag():
    "nbdev_clean as settings.ini configures it (what `make nb-outputs` and contributors run)."
    from nbdev.clean import clean_nb
    from nbdev.config import get_config
    cfg = get_config(path=ROOT)
    kw = dict(clear_all=str(cfg.get("clear_all", False)).lower() == "true",
              allowed_metadata_keys=cfg.allowed_metadata_keys.split(),
              allowed_cell_metadata_keys=cfg.allowed_cell_metadata_keys.split(), clean_ids=True)
    cell = nbformat.v4.new_code_cell("x = 1\nx", metadata={"tags": ["parameters"], "scrolled": True}, execution_count=3)
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=3)]
    nb = nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                         "language": "python"}, "language_info": {"name": "python"}})
    clean_nb(nb, **kw)
    c = nb.cells[0]
    assert c.outputs and c.outputs[0]["data"]["text/plain"] == "1" and c.execution_count is None
    assert c.metadata == {"tags": ["parameters"]}                        # noise gone, papermill's tag kept
    assert nb.metadata == {"kernelspec": {"name": "python3", "display_name": "python3", "language": "python"}}
    report = nbformat.read(ROOT / "custseg" / "notebooks" / "segment_report.ipynb", as_version=4)
    clean_nb(report, **kw)
    assert any("parameters" in c.metadata.get("tags", []) for c in report.cells)


_NBDEV_PROC = """
import os, sys
from execnb.nbio import read_nb
from nbdev.processors import FilterDefaults
os.environ["IN_TEST"] = "1"
failed = []
for f in sys.argv[1:]:
    try: FilterDefaults()(read_nb(f))
    except Exception as e: failed.append(f"{f}: {e} / {e.__cause__!r}"[:600])
print("\\n".join(failed)); sys.exit(1 if failed else 0)
"""


def test_nbdev_docs_processing(tmp_path):
    "What `nbdev_docs` runs before Quarto: every cell with an import, on every notebook; none may use a name defined in a skipped cell."
    import subprocess, os
    nbs = sorted(str(p) for p in (ROOT / "nbs").glob("*.ipynb"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1", "MPLBACKEND": "agg"}
    r = subprocess.run([sys.executable, "-c", _NBDEV_PROC, *nbs], cwd=ROOT / "nbs", env=env, capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
