"""Wall time and peak memory of `custseg segment` on both Online Retail years.

Runs the real console command in a child process (default model and backend; embedding cache off so every document
is embedded, or `--cache DIR` to use that cache folder: run twice for the warm-cache figure) and reads the child's
peak resident memory from the OS (MiB, and GB = 10^9 bytes). Prints wall time, peak memory and each stage's wall and CPU seconds (run.json's
`timings_s` and `cpu_s`; on a shared machine CPU seconds are the steadier figure). Asserts nothing.

    .venv/bin/python benchmarks/bench_segment.py [--data ../shared/data] [--out runs/bench_segment] [--cache DIR]
                                                 [--backend auto|torch|torch-bf16|onnx|onnx-int8] [--model DIR] [--report]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _watch_tree(proc, every:float=0.1) -> float:
    "Wait for `proc`; the peak of the resident memory summed over it and its descendants (MiB), sampled every `every` s."
    import psutil
    root, peak = psutil.Process(proc.pid), 0.0
    while proc.poll() is None:
        total = 0
        for p in [root] + root.children(recursive=True):
            try: total += p.memory_info().rss
            except psutil.Error: pass  # ended between the listing and the read
        peak = max(peak, total / 2**20)
        time.sleep(every)
    return peak


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(ROOT / "runs" / "bench_segment"))
    ap.add_argument("--report", action="store_true", help="also time the HTML report")
    ap.add_argument("--cache", default=None, help="embedding cache folder (default: no cache, every document embedded)")
    ap.add_argument("--backend", default="auto", help="encoder backend (default auto)")
    ap.add_argument("--model", default=None, help="model folder (default: the packaged all-MiniLM-L6-v2)")
    a = ap.parse_args()
    data = Path(a.data)
    files = [data / "online_retail_ii_2009_2010" / "online_retail_ii_2009_2010.parquet",
             data / "online_retail" / "online_retail.parquet"]
    if not all(f.exists() for f in files):
        sys.exit(f"Online Retail files not found under {data}; pass --data")
    cmd = [sys.executable, "-c", "import sys; from custseg.cli import main; sys.exit(main())",
           "segment", "--transactions", *map(str, files), "--out", a.out, "--quiet", "--backend", a.backend]
    cmd += ["--model", a.model] if a.model else []
    env = dict(os.environ, **({"CUSTSEG_CACHE_DIR": str(Path(a.cache).absolute())} if a.cache else {}))
    if not a.cache:
        cmd.append("--no-cache")
    if not a.report:
        cmd.append("--no-report")
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, env=env)
    tree_peak = _watch_tree(child)  # the report's kernel is a second process: their sum is what the machine needs
    if child.returncode: sys.exit(f"custseg segment failed (exit {child.returncode})")
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux reports KiB
    run = json.loads((Path(a.out) / "run.json").read_text())
    print(f"custseg segment, both Online Retail years: {run['n_customers']} customers, "
          f"{run['n_segments']} segments")
    print(f"wall time {wall:.1f} s, peak memory {peak_mb:.0f} MiB ({peak_mb * 2**20 / 1e9:.2f} GB) in one process; "
          f"{tree_peak:.0f} MiB ({tree_peak * 2**20 / 1e9:.2f} GB) summed over the command and its child processes")
    print(f"backend {run['embedding'].get('backend')}, embedding {run['embedding']}")
    if run.get("migration"): print("migration embedding:", run["migration"].get("embedding"))
    print("stage wall time (s):", run["timings_s"])
    print("stage CPU time (s): ", run.get("cpu_s"))
    mem = run.get("memory_mib") or {}
    print("resident memory after each stage (MiB):", mem.get("after_stage"), "| the command's peak (MiB):", mem.get("peak"))


if __name__ == "__main__":
    main()
