"""Execute notebooks in place so they are committed with their outputs (`make nb-outputs`), as nbdev's own are.

Each notebook runs top to bottom in one in-process IPython shell (execnb, what `nbdev_test` uses), in its own folder,
on the embedded default data. Cells that `nbdev_test` skips (`#| eval: false`, and the flags in settings.ini's
`tst_flags`, e.g. `#| slow`) are not run and keep whatever outputs they have. Progress bars are switched off
(TQDM_DISABLE) so stored outputs stay free of them. The notebook gets the `python3` kernelspec, then `nbdev_clean`
strips execution counts and noisy metadata but keeps outputs (`clear_all = False` in settings.ini) and cell tags
(`allowed_cell_metadata_keys = tags`). A notebook whose run fails is left untouched and the command exits 1.

    python tools/execute_notebooks.py                      # every nbs/*.ipynb
    python tools/execute_notebooks.py nbs/00_privacy.ipynb nbs/06_profile.ipynb
"""
import argparse, os, sys, time
from pathlib import Path

KERNELSPEC = {"display_name": "python3", "language": "python", "name": "python3"}


def execute_notebook(fn: Path, skip_flags: set) -> float:
    "Run `fn` (nbdev_test's rules for which cells run), store outputs and kernelspec, clean it; returns seconds."
    import nbformat
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    from nbdev.clean import nbdev_clean
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.process import NBProcessor

    def _no_eval(cell):  # as nbdev.test.test_nb
        if cell.cell_type != "code" or "nbdev_export" + "(" in cell.source: return True
        direc = getattr(cell, "directives_", {}) or {}
        if direc.get("eval:", [""])[0].lower() == "false": return True
        return skip_flags & direc.keys()

    t = time.time()
    orig = nbformat.read(fn, as_version=4)
    nb = NBProcessor(fn, procs=FrontmatterProc, process=True).nb   # its cells line up with orig's, one to one
    assert len(nb.cells) == len(orig.cells), fn
    shell = CaptureShell(fn, mpl_format="png")   # plain PNG: half the bytes of retina in the committed notebook
    with working_directory(fn.parent):
        shell.run_all(nb, exc_stop=True, preproc=_no_eval)   # raises on the first failing cell
    for oc, c in zip(orig.cells, nb.cells):
        if oc.cell_type == "code" and not _no_eval(c):
            oc.outputs = [nbformat.from_dict(o) for o in c.get("outputs", [])]
    orig.metadata["kernelspec"] = dict(KERNELSPEC)
    orig.metadata.pop("widgets", None)   # widget state is of no use without a live kernel
    nbformat.write(orig, fn)
    nbdev_clean.__wrapped__(fname=str(fn))
    return time.time() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", help="notebooks to run (default: every nbs/*.ipynb)")
    a = ap.parse_args(argv)
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ["IN_TEST"] = "1"   # as under nbdev_test, so the stored outputs are what CI's run shows
    os.environ.setdefault("MPLBACKEND", "agg")
    from nbdev.config import get_config
    cfg = get_config()
    fns = [Path(f).resolve() for f in a.notebooks] or sorted(cfg.nbs_path.glob("*.ipynb"))
    skip_flags = set(cfg.tst_flags.split())
    failed, t0 = [], time.time()
    for fn in fns:
        try: print(f"{fn.name}: {execute_notebook(fn, skip_flags):.0f} s", flush=True)
        except Exception as e:
            failed.append(fn.name); print(f"{fn.name}: FAILED, left unchanged: {type(e).__name__}: {e}", flush=True)
    print(f"{len(fns) - len(failed)} of {len(fns)} notebooks executed in {time.time() - t0:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
