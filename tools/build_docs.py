"""Build the docs site offline into `_docs/` (`make docs`): every notebook in nbs/ is a page, in file-name order,
rendered with its stored outputs (nothing is executed), plus an API page per module (autodoc + docments).

The notebooks are first copied to `_docs_src/` with nbdev's directive comments turned into what a reader should see:
`#| hide` and `#| default_exp` cells dropped, `#| echo: false` / `#| output: false` become myst-nb's `remove-input` /
`remove-output` tags, every other `#|` line is removed. Sphinx (docs/conf.py, furo theme) then builds `_docs/`.

    python tools/build_docs.py                        # the whole site
    python tools/build_docs.py --only 00_privacy      # index, that notebook and the API pages (a quick check)
"""
import argparse, ast, re, shutil, subprocess, sys, time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
_DIRECTIVE = re.compile(r"^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$")


def directives(source: str) -> tuple[dict, str]:
    "nbdev's `#| name: value` lines at the top of a code cell -> ({name: value}, the source without them)."
    d, lines = {}, source.splitlines()
    i = 0
    while i < len(lines) and (not lines[i].strip() or _DIRECTIVE.match(lines[i])):
        m = _DIRECTIVE.match(lines[i])
        if m: d[m.group(1)] = m.group(2)
        i += 1
    return d, "\n".join(lines[i:]).strip("\n")


def notebook_title(nb) -> str:
    "The notebook's `# Title` (first markdown heading)."
    for c in nb.cells:
        if c.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", c.source, re.M)
            if m: return m.group(1).strip()
    return "Untitled"


def default_exp(nb) -> str | None:
    "The module a notebook exports to (`#| default_exp name`), or None."
    for c in nb.cells:
        if c.cell_type == "code":
            d, _ = directives(c.source)
            if "default_exp" in d: return d["default_exp"].split()[0]
    return None


def stage_notebook(nb, api_doc: str | None = None):
    "A copy of `nb` as a reader should see it (see the module docstring); `api_doc` adds a link to its API page."
    cells = []
    for c in nb.cells:
        if c.cell_type != "code":
            cells.append(c); continue
        d, src = directives(c.source)
        if {"hide", "default_exp"} & d.keys() or d.get("include", "").lower() == "false" or not src.strip(): continue
        c = nbformat.from_dict(dict(c)); c.source = src
        tags = list(c.metadata.get("tags", []))
        if d.get("echo", "").lower() == "false": tags.append("remove-input")
        if d.get("output", "").lower() == "false": tags.append("remove-output")
        c.metadata = {"tags": tags} if tags else {}
        cells.append(c)
    if api_doc:  # right after the title cell
        i = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), -1) + 1
        cells.insert(i, nbformat.v4.new_markdown_cell(f"API reference: [`custseg.{api_doc.split('/')[-1]}`]({api_doc}.rst)"))
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                    "language_info": {"name": "python", "pygments_lexer": "ipython3"}}
    return out


def _public_modules(lib: Path) -> list[str]:
    return sorted(p.stem for p in lib.glob("*.py") if not p.stem.startswith("_"))


def api_entries(path: Path) -> list[tuple[str, str]]:
    "[(directive, name)] for a module's `__all__`, read from its source (nothing imported): autofunction/class/data."
    tree = ast.parse(path.read_text(encoding="utf-8"))
    kinds, names = {}, []
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)): kinds[n.name] = "autofunction"
        elif isinstance(n, ast.ClassDef): kinds[n.name] = "autoclass"
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                if isinstance(t, ast.Name):
                    if t.id == "__all__": names = ast.literal_eval(n.value)
                    else: kinds.setdefault(t.id, "autodata")
    return [(kinds.get(x, "autodata"), x) for x in names]


def api_page(m: str, title: str, nb_link: str) -> str:
    "reST for one module: its docstring, then every name of `__all__` in order, with its members for classes."
    body = "".join(f"\n.. {d}:: {x}\n" + ("   :members:\n   :show-inheritance:\n" if d == "autoclass" else "")
                   for d, x in api_entries(ROOT / "custseg" / f"{m}.py"))
    return (f"{title}\n{'=' * len(title)}\n{nb_link}\n.. automodule:: custseg.{m}\n\n"
            f".. currentmodule:: custseg.{m}\n{body}")


def stage(src: Path, only: list[str] | None = None) -> list[str]:
    "Write the Sphinx source tree `src`; returns the staged notebook names in reading order."
    if src.exists(): shutil.rmtree(src)
    (src / "api").mkdir(parents=True)
    nbs = sorted(NBS.glob("*.ipynb"))
    titles, modules = {}, {}
    for p in nbs:
        nb = nbformat.read(p, as_version=4)
        titles[p.stem], mod = notebook_title(nb), default_exp(nb)
        if mod: modules[mod] = p.stem
        if p.stem == "index" or not only or p.stem in only:
            nbformat.write(stage_notebook(nb, f"api/{mod}" if mod else None), src / p.name)
    pages = [p.stem for p in nbs if p.stem != "index" and (src / p.name).exists()]
    # API pages: one per module, its public names (`__all__`) with signature, parameter docs and docstring
    mods = _public_modules(ROOT / "custseg")
    for m in mods:
        title = f"custseg.{m}" + (f" — {titles[modules[m]]}" if m in modules else "")
        nb_link = f"\nNotebook: :doc:`../{modules[m]}`\n" if m in modules and modules[m] in pages else ""
        (src / "api" / f"{m}.rst").write_text(api_page(m, title, nb_link), encoding="utf-8")
    (src / "api" / "index.rst").write_text(
        "API reference\n=============\n\nEvery public function and class of custseg (each module's ``__all__``), "
        "with its signature, parameters and docstring.\n\n.. toctree::\n   :maxdepth: 1\n\n"
        + "".join(f"   {m}\n" for m in mods), encoding="utf-8")
    # the index notebook (README) is the root page and carries the navigation, in reading order
    index = nbformat.read(src / "index.ipynb", as_version=4)
    toc = "".join(f"{p.split('_')[0]} · {titles[p]} <{p}>\n" for p in pages)
    index.cells.append(nbformat.v4.new_markdown_cell(
        f"## Notebooks\n\n```{{toctree}}\n:maxdepth: 1\n\n{toc}```\n\n"
        "```{toctree}\n:maxdepth: 1\n:caption: Reference\n\napi/index\n```\n"))
    nbformat.write(index, src / "index.ipynb")
    return pages


def build(out: Path = ROOT / "_docs", src: Path = ROOT / "_docs_src", only: list[str] | None = None,
          quiet: bool = True) -> Path:
    "Stage the notebooks and run sphinx-build (html) into `out`; returns `out`."
    t = time.time()
    pages = stage(src, only)
    # built inside the staging folder (myst-nb writes a jupyter_execute/ folder beside the output), then moved
    html = src.parent / (src.name + "_build") / "html"
    if html.parent.exists(): shutil.rmtree(html.parent)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(ROOT / "docs"), "-d", str(html.parent / "doctrees"),
           *(["-q"] if quiet else []), str(src), str(html)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    (html / ".nojekyll").touch()
    if out.exists(): shutil.rmtree(out)
    shutil.move(str(html), str(out))
    shutil.rmtree(html.parent)
    print(f"docs: {len(pages)} notebook pages + API -> {out} in {time.time() - t:.0f} s")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "_docs"))
    ap.add_argument("--only", default="", help="comma-separated notebook names (e.g. 00_privacy) for a quick build")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    build(Path(a.out), only=[s.strip() for s in a.only.split(",") if s.strip()] or None, quiet=not a.verbose)
