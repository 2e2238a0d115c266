"""Speed and agreement of custseg's `Encoder` backends against sentence-transformers, side by side in one process.

Two sets of texts: `--n` real Online Retail documents (each one the product descriptions of one invoice, 20-150 words,
like a customer document) and `--n-short` short synthetic shop texts (reviews, searches, support messages from
`custseg.synthetic`). For each set, after a warm-up of every contender, it embeds the texts with
`sentence_transformers.SentenceTransformer(default_model()).encode` (torch) and with `custseg.embed.Encoder` (cache off)
for every backend (`torch`, `torch-bf16`, `onnx`, `onnx-int8`; the ONNX ones when onnxruntime is installed), at the same
batch size, and, for a fair view of where `torch-bf16`'s speed comes from, sentence-transformers itself under the same
`torch.autocast(bfloat16)`,
alternating the order between rounds, and prints texts/second (wall, and per CPU second: steadier on a loaded machine),
the ratio to sentence-transformers, and the minimum and
mean cosine of each custseg vector to sentence-transformers' float32 vector of the same text. Asserts nothing.

    .venv/bin/python benchmarks/bench_embed.py [--n 3000] [--n-short 600] [--threads 2] [--batch-size 64] [--repeats 1]

`--threads` sets OMP/MKL/torch/onnxruntime threads (default 2, the 2-core development machine); on a shared machine
compare the ratios (measured in one process, alternating), not the absolute rates. Data: $CUSTSEG_DATA_DIR, else
--data, else ../shared/data next to the repository, else `custseg.data.shared_data_dir()`. The ONNX exports are written once into the custseg cache folder.
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REL = Path("online_retail") / "online_retail.parquet"


def find_data(arg):
    "The Online Retail parquet file, or exit with a message saying where it was looked for."
    from custseg.data import shared_data_dir
    dirs = [Path(d) for d in (os.environ.get("CUSTSEG_DATA_DIR"), arg, ROOT.parent / "shared" / "data", shared_data_dir()) if d]
    for d in dirs:
        if (d / REL).exists():
            return d / REL
    sys.exit("bench_embed: Online Retail data not found; looked for " + ", ".join(str(d / REL) for d in dirs)
             + ". Set CUSTSEG_DATA_DIR or pass --data.")


def build_texts(path, n, seed):
    "One document per invoice: its distinct product descriptions, kept when 20-150 words; a seeded sample of n."
    import numpy as np
    import pandas as pd
    df = pd.read_parquet(path, columns=["InvoiceNo", "Description"])
    df = df[df["Description"].notna() & ~df["InvoiceNo"].str.startswith("C")]
    docs = (df.assign(d=df["Description"].str.strip().str.lower())
              .drop_duplicates(["InvoiceNo", "d"])
              .groupby("InvoiceNo", sort=True)["d"].agg(", ".join))
    words = docs.str.split().str.len()
    docs = docs[(words >= 20) & (words <= 150)]
    if len(docs) == 0:
        sys.exit(f"bench_embed: no invoice in {path} has 20-150 words of descriptions")
    take = np.random.default_rng(seed).permutation(len(docs))[:n]
    return docs.iloc[np.sort(take)].tolist()


def short_texts(n, seed):
    "n distinct short shop texts (reviews, searches, support messages) of the synthetic generator."
    from custseg.synthetic import make_synthetic
    t = make_synthetic(n_customers=max(200, n), seed=seed).texts["text"].drop_duplicates()
    return t.sample(min(n, len(t)), random_state=seed).tolist()


def timed(fns, repeats):
    "Best wall and CPU time of each function over `repeats` rounds, run alternately (so drift hits all), and last results."
    best, cpu, outs = [float("inf")] * len(fns), [float("inf")] * len(fns), [None] * len(fns)
    for r in range(repeats):
        for i in (range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))):
            t0, c0 = time.perf_counter(), time.process_time()
            outs[i] = fns[i]()
            best[i] = min(best[i], time.perf_counter() - t0)
            cpu[i] = min(cpu[i], time.process_time() - c0)  # work done: on a loaded machine steadier than wall time
    return best, cpu, outs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="number of invoice documents (default 3000; 0: skip)")
    ap.add_argument("--n-short", type=int, default=600, help="number of short texts (default 600; 0: skip)")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for every contender (default 2)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=1, help="timed rounds (alternating order); the best time of each is reported")
    ap.add_argument("--device", default=None, help="cpu, cuda, ...; default: CUDA when available")
    ap.add_argument("--data", default=None, help="folder holding online_retail/online_retail.parquet")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = str(a.threads)  # before numpy and torch start their thread pools

    import numpy as np
    import torch
    torch.set_num_threads(a.threads)
    from custseg.embed import BACKENDS, Encoder, default_model, onnx_available
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        sys.exit("bench_embed: sentence-transformers is not installed (it is a dev extra: pip install -e '.[dev]')")

    data = find_data(a.data) if a.n else None  # before loading models: a missing file fails at once
    st = SentenceTransformer(default_model(), device=a.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    on_cpu = st.device.type == "cpu"
    backends = [b for b in BACKENDS if b.startswith("torch") or (on_cpu and onnx_available())]
    encs = {}
    for b in backends:
        t0 = time.perf_counter()
        encs[b] = Encoder(default_model(), batch_size=a.batch_size, device=str(st.device), cache=False,
                          show_progress=False, backend=b)
        encs[b].encode(["warm up"])  # loads (and on first use exports) the model
        print(f"custseg {b:9s} ready in {time.perf_counter() - t0:5.1f} s (load{', export on first use' if b.startswith('onnx') else ''})")
    if encs["torch"].half:
        st.half()  # same precision on both sides
    print(f"device {st.device}, threads {a.threads} (torch {torch.get_num_threads()}), batch size {a.batch_size}, "
          f"torch {torch.__version__}, onnxruntime {'yes' if onnx_available() else 'not installed'}; "
          f"CPU load average {os.getloadavg()[0]:.1f} over {os.cpu_count()} cores (a shared machine: read the ratios)")
    if not onnx_available():
        print("onnxruntime is not installed: only the torch backend is measured (pip install onnxruntime onnx)")

    sets = []  # the short set first: its figures print within minutes
    if a.n_short: sets.append((f"{a.n_short} short synthetic shop texts", short_texts(a.n_short, a.seed)))
    if a.n: sets.append((f"{a.n} Online Retail invoice documents", build_texts(data, a.n, a.seed)))
    for title, texts in sets:
        ntok = np.array([len(x) for x in st.tokenizer(texts, truncation=True, max_length=st.max_seq_length)["input_ids"]])
        print(f"\n{title}: tokens per text median {np.median(ntok):.0f} (range {ntok.min()}-{ntok.max()})")
        warm = texts[: 2 * a.batch_size]
        st.encode(warm, batch_size=a.batch_size, normalize_embeddings=True, show_progress_bar=False)
        for e in encs.values(): e.encode(warm)
        run_st = lambda: st.encode(texts, batch_size=a.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                                   show_progress_bar=False)
        def run_st_bf16():  # the same autocast torch-bf16 uses, applied to sentence-transformers
            with torch.autocast(st.device.type, dtype=torch.bfloat16):
                return st.encode(texts, batch_size=a.batch_size, normalize_embeddings=True, convert_to_tensor=True,
                                 show_progress_bar=False).float().cpu().numpy()
        contenders = {f"custseg {b}": (lambda e=e: e.encode(texts)) for b, e in encs.items()}
        if not encs["torch"].half: contenders["sentence-transformers bf16"] = run_st_bf16
        fns = [run_st, *contenders.values()]
        times, cpus, outs = timed(fns, a.repeats)
        ref = np.asarray(outs[0], dtype=np.float32)
        r_st, c_st = len(texts) / times[0], len(texts) / cpus[0]
        print(f"  {'sentence-transformers':26s} {times[0]:7.2f} s {r_st:8.1f} texts/s  ratio 1.00 | "
              f"{cpus[0]:7.2f} CPU s {c_st:8.1f} texts/CPU-s  ratio 1.00")
        for name, t, c, X in zip(contenders, times[1:], cpus[1:], outs[1:]):
            X = np.asarray(X, dtype=np.float32)
            cos = np.sum(X * ref, axis=1)
            print(f"  {name:26s} {t:7.2f} s {len(texts) / t:8.1f} texts/s  ratio {len(texts) / t / r_st:5.2f} | "
                  f"{c:7.2f} CPU s {len(texts) / c:8.1f} texts/CPU-s  ratio {len(texts) / c / c_st:5.2f}  "
                  f"cosine to sentence-transformers min {cos.min():.4f} mean {cos.mean():.5f}", flush=True)


if __name__ == "__main__":
    main()
