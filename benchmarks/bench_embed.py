"""Speed and agreement of custseg's `Encoder` against sentence-transformers on real Online Retail texts.

Builds `--n` documents from the UCI Online Retail data (each one the product descriptions of one invoice, 20-150
words, like a customer document), embeds them with `custseg.embed.Encoder` (cache off) and with
`sentence_transformers.SentenceTransformer(default_model())` at the same batch size, after a warm-up of both, and
prints texts/second for each, their ratio and how far the two sets of vectors are apart. Asserts nothing.

    .venv/bin/python benchmarks/bench_embed.py [--n 3000] [--batch-size 64] [--repeats 1] [--data ../shared/data]

Data: $CUSTSEG_DATA_DIR, else --data, else ../shared/data next to the repository.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REL = Path("online_retail") / "online_retail.parquet"


def find_data(arg):
    "The Online Retail parquet file, or exit with a message saying where it was looked for."
    dirs = [Path(d) for d in (os.environ.get("CUSTSEG_DATA_DIR"), arg, ROOT.parent / "shared" / "data") if d]
    for d in dirs:
        if (d / REL).exists():
            return d / REL
    sys.exit("bench_embed: Online Retail data not found; looked for " + ", ".join(str(d / REL) for d in dirs)
             + ". Set CUSTSEG_DATA_DIR or pass --data.")


def build_texts(path, n, seed):
    "One document per invoice: its distinct product descriptions, kept when 20-150 words; a seeded sample of n."
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


def timed(fns, repeats):
    "Best wall time of each function over `repeats` rounds, run alternately (so drift hits both), and last results."
    best, outs = [float("inf")] * len(fns), [None] * len(fns)
    for r in range(repeats):
        for i in (range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))):
            t0 = time.perf_counter()
            outs[i] = fns[i]()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best, outs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="number of documents (default 3000)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=1, help="timed rounds (alternating order); the best time of each is reported")
    ap.add_argument("--device", default=None, help="cpu, cuda, ...; default: CUDA when available")
    ap.add_argument("--data", default=None, help="folder holding online_retail/online_retail.parquet")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    import torch
    from custseg.embed import Encoder, default_model
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        sys.exit("bench_embed: sentence-transformers is not installed (it is a dev extra: pip install -e '.[dev]')")

    texts = build_texts(find_data(a.data), a.n, a.seed)
    words = np.array([len(t.split()) for t in texts])
    enc = Encoder(default_model(), batch_size=a.batch_size, device=a.device, cache=False, show_progress=False)
    st = SentenceTransformer(default_model(), device=str(enc.device))
    if enc.half:
        st.half()  # same precision on both sides
    ntok = np.array([len(x) for x in st.tokenizer(texts, truncation=True, max_length=st.max_seq_length)["input_ids"]])
    print(f"{len(texts)} invoice documents: words per text median {np.median(words):.0f} (range {words.min()}-{words.max()}), "
          f"tokens median {np.median(ntok):.0f}, {np.mean(ntok >= st.max_seq_length):.1%} truncated at {st.max_seq_length}")
    print(f"device {enc.device}, half={enc.half}, torch threads {torch.get_num_threads()}, batch size {a.batch_size}, "
          f"torch {torch.__version__}")

    run_cs = lambda: enc.encode(texts)
    run_st = lambda: st.encode(texts, batch_size=a.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                               show_progress_bar=False)
    warm = texts[: 2 * a.batch_size]
    enc.encode(warm)
    st.encode(warm, batch_size=a.batch_size, normalize_embeddings=True, show_progress_bar=False)

    (t_cs, t_st), (X, Y) = timed([run_cs, run_st], a.repeats)
    Y = np.asarray(Y, dtype=np.float32)

    r_cs, r_st = len(texts) / t_cs, len(texts) / t_st
    cos_rows = np.sum(X * Y, axis=1)
    print(f"custseg Encoder        : {t_cs:7.2f} s  {r_cs:8.1f} texts/s")
    print(f"sentence-transformers  : {t_st:7.2f} s  {r_st:8.1f} texts/s")
    print(f"speed ratio custseg / sentence-transformers: {r_cs / r_st:.3f}")
    print(f"agreement: max |1 - cos(custseg_i, st_i)| = {np.abs(1 - cos_rows).max():.2e}, "
          f"max |cosine-similarity matrix difference| = {np.abs(X @ X.T - Y @ Y.T).max():.2e}, "
          f"max |element difference| = {np.abs(X - Y).max():.2e}")


if __name__ == "__main__":
    main()
