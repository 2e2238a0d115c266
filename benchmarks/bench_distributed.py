"""custseg segment on Ray (custseg.distributed) at growing numbers of synthetic customers, with a local Ray instance.

For each size: synthetic customers are written as Parquet partitions (one file per chunk of customers, in a child
process), then a fresh driver process runs `segment_distributed` with the tiny random BERT (the wall time of the
stages, not the quality of the words, is measured here) and reports the wall time per stage, the driver's peak
resident memory (getrusage), the sample the segments were fitted on and the machine's load average during the run
(sampled every 10 s: on a shared machine it says how much of the wall time was someone else's). Each stage is logged
as it ends (stderr), so a run stopped early still says how far it got. With a fixed sample size the driver's peak
must stay flat as customers grow: only the sample and per-segment sums reach it.

    python benchmarks/bench_distributed.py --customers 25000 100000 --sample-size 25000 --cpus 2
    python benchmarks/bench_distributed.py --customers 1000000 5000000 --cpus 64 --address auto   # a cluster

Results (one JSON line per size) go to --results.
"""
import argparse, json, logging, os, subprocess, sys, threading, time
from pathlib import Path

HERE = Path(__file__).resolve()


def generate(n:int, folder:Path, chunk:int=25_000, seed:int=0):
    "n synthetic customers as tx/part-*.parquet and texts/part-*.parquet, chunk by chunk (ids made unique per chunk)."
    from custseg.synthetic import make_synthetic
    (folder/"tx").mkdir(parents=True, exist_ok=True); (folder/"texts").mkdir(parents=True, exist_ok=True)
    done, i = 0, 0
    while done < n:
        m = min(chunk, n - done)
        syn = make_synthetic(m, seed=seed + i)
        for name, df in (("tx", syn.transactions), ("texts", syn.texts)):
            df.assign(customer_id=f"b{i:04d}-" + df["customer_id"].astype("str")).to_parquet(folder/name/f"part-{i:04d}.parquet")
        done += m; i += 1


def run(folder:Path, out:Path, sample_size:int, cpus:int, address:str|None) -> dict:
    "One segmentation in this (fresh) process; the numbers that matter."
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    loads, done = [], threading.Event()
    def watch():
        while not done.wait(10): loads.append(os.getloadavg()[0])
    threading.Thread(target=watch, daemon=True).start()
    import torch
    torch.set_num_threads(1)
    from custseg.distributed import segment_distributed
    from custseg.testing import tiny_bert
    t0 = time.perf_counter()
    r = segment_distributed(folder/"tx", out, texts=[folder/"texts"], model=str(tiny_bert()), sample_size=sample_size,
                            num_cpus=cpus, address=address, report=False, cache=False, n_segments="auto")
    done.set()
    return {"customers": r["n_customers"], "sample": r["sample"]["size"], "segments": r["n_segments"],
            "wall_s": round(time.perf_counter() - t0, 1), "stages_s": r["timings_s"],
            "driver_peak_rss_mb": r["driver_peak_rss_mb"], "transaction_lines": r["ledger"]["transactions"]["n_input"],
            "cluster": {k: r["engine"].get(k) for k in ("cpus", "gpus", "nodes", "files", "read_tasks", "buckets", "partitions")},
            "design": r["design"]["design"],
            "load_avg_1min": {"mean": round(sum(loads) / max(len(loads), 1), 1), "max": round(max(loads, default=0), 1)}}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, nargs="+", default=[25_000, 100_000])
    p.add_argument("--sample-size", type=int, default=200_000)
    p.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray instance")
    p.add_argument("--address", default=None, help="an existing Ray cluster instead of a local instance")
    p.add_argument("--work", default="/tmp/custseg-bench-distributed", help="data and run folders")
    p.add_argument("--results", default="bench_distributed.jsonl")
    p.add_argument("--generate", nargs=2, metavar=("N", "FOLDER"), help=argparse.SUPPRESS)
    p.add_argument("--run", nargs=2, metavar=("FOLDER", "OUT"), help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.generate: return generate(int(a.generate[0]), Path(a.generate[1]))
    if a.run:
        print("RESULT " + json.dumps(run(Path(a.run[0]), Path(a.run[1]), a.sample_size, a.cpus, a.address)))
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    work = Path(a.work)
    for n in a.customers:
        data = work/f"data-{n}"
        if not (data/"tx").exists():
            t = time.perf_counter()
            subprocess.run([sys.executable, str(HERE), "--generate", str(n), str(data)], check=True, env=env)
            print(f"{n:,} customers generated in {time.perf_counter() - t:.0f} s", flush=True)
        out = subprocess.run([sys.executable, str(HERE), "--run", str(data), str(work/f"run-{n}"), "--sample-size",
                              str(a.sample_size), "--cpus", str(a.cpus)] + (["--address", a.address] if a.address else []),
                             env=env, stdout=subprocess.PIPE, text=True)  # stderr (the stage log) passes through
        if out.returncode: sys.exit(f"the run of {n:,} customers failed (its log is above)")
        res = json.loads([l for l in out.stdout.splitlines() if l.startswith("RESULT ")][-1][7:])
        print(json.dumps(res), flush=True)
        with open(a.results, "a") as f: f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
