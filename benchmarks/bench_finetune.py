"""Training speed and peak memory of custseg's `finetune` against a plain Hugging Face `Trainer` on the same model and data.

Both runs fine-tune the same encoder folder (default: `custseg.embed.default_model()`, the packaged MiniLM;
`--model tiny`: `custseg.testing.tiny_bert()`; or any folder) on the same tokenised documents with the same
max_length, epochs, learning rate, batch size, warm-up share (0.1), weight decay (0.01), gradient clipping (1.0),
seed, and dynamic padding (each batch padded to its longest document):

* custseg: `finetune(method=M, use_numeric=False, class_weights=None, patience=None)` for every M of `--methods`
  (default full, lpft, lora, contrastive), every row "train", no output_dir (no checkpoints), mixed precision on
  CUDA ("auto"). The probe methods (lpft, lora, contrastive) first embed the rows and fit the linear probe (C=1:
  no validation rows): that is in their total time, not in their samples/s. Contrastive counts documents (2 per
  pair; `pairs_per_example=1`, so an epoch is 4x the rows) and uses its own default learning rate.
* Trainer: `AutoModelForSequenceClassification` + `DataCollatorWithPadding`, no evaluation, no saving,
  report_to="none", dataloader_num_workers=0, use_cpu on CPU, fp16 on CUDA.

Each run is a fresh child process (so warm-up is the same for both, and peak memory is that run's own):
`--repeats` rounds alternate the order. Printed per run: samples/s over the whole training loop (each library's
own figure: custseg's `hist["samples_per_second"]`, Trainer's `train_samples_per_second`), steady samples/s
(step starts 2..last, i.e. the first step's warm-up left out, timed the same way for both), total wall time
(model load + tokenising + training; library imports excluded for both), peak RSS of the child (CPU) and peak allocated CUDA memory. Asserts nothing.

    .venv/bin/python benchmarks/bench_finetune.py --model tiny
    .venv/bin/python benchmarks/bench_finetune.py --n 96           # the packaged MiniLM
    .venv/bin/python benchmarks/bench_finetune.py --data online_retail --n 256

Data: `synthetic` (default): `make_synthetic` customers, `customer_documents` (transactions + texts), persona
labels. `online_retail`: UCI Online Retail from $CUSTSEG_DATA_DIR / ../shared/data, documents as of 90 days before
the last day, labels `value_tier_labels` over those 90 days; a seeded sample of `--n` customers.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb():
    "Peak resident set size of this process (VmHWM: unlike ru_maxrss it is not inherited from the parent across exec)."
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _current_rss_mb():
    try:
        with open("/proc/self/statm") as f: return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError: return float("nan")


# ---------------------------------------------------------------- data (parent)

def build_data(kind, n, seed, data_dir):
    "documents (Series by customer_id, str) and labels (same index, str): `n` customers."
    import numpy as np
    import pandas as pd
    from custseg.features import customer_documents
    if kind == "synthetic":
        from custseg.synthetic import make_synthetic
        sd = make_synthetic(n_customers=int(n * 1.2) + 20, seed=seed)
        docs = customer_documents(sd.transactions, sd.texts)
        labels = sd.customers.set_index("customer_id")["persona"].astype(str).reindex(docs.index)
    else:
        from custseg.data import clean_transactions, load_transactions, shared_data_dir
        from custseg.labels import value_tier_labels
        base = Path(data_dir) if data_dir else shared_data_dir()
        path = base / "online_retail" / "online_retail.parquet" if base else None
        if path is None or not path.exists():
            sys.exit(f"bench_finetune: Online Retail data not found (looked for {path}); set CUSTSEG_DATA_DIR or pass --data-dir")
        tx, _ = clean_transactions(load_transactions(path))
        cutoff = tx["time"].max().normalize() - pd.Timedelta(days=90)
        docs = customer_documents(tx, cutoff=cutoff)
        labels = value_tier_labels(tx, cutoff, horizon_days=90).reindex(docs.index)
    keep = labels.notna().to_numpy()
    docs, labels = docs[keep], labels[keep]
    if len(docs) < n: print(f"# only {len(docs)} customers available (asked for {n})")
    take = np.sort(np.random.default_rng(seed).permutation(len(docs))[:n])
    return docs.iloc[take], labels.iloc[take].astype(str)


# ---------------------------------------------------------------- children

def _steady(starts, bs, n):
    "Samples/s from the 2nd step start to the last step start (full batches only in between)."
    if len(starts) < 3: return None
    return bs * (len(starts) - 2) / (starts[-1] - starts[1])


def _preimport(model_dir):
    "Import the model's modeling code before the clock starts (transformers imports it lazily, ~2 s on this CPU)."
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING, MODEL_MAPPING
    kind = type(AutoConfig.from_pretrained(model_dir))
    MODEL_MAPPING[kind], MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING[kind]


def child_custseg(a, docs, labels, device):
    import pandas as pd
    import torch
    import custseg.finetune as F
    _preimport(a.model_dir)
    base_rss = _current_rss_mb()
    starts = []
    collate = F._collate
    def timed_collate(*args, **kw):  # called once at the start of every training batch (the probe's passes run without grad)
        if torch.is_grad_enabled(): starts.append(time.perf_counter())
        return collate(*args, **kw)
    F._collate = timed_collate
    if a.custseg_fused:  # diagnostic: custseg's optimizer with fused=True, as the Trainer's default "adamw_torch_fused"
        import functools
        F.torch.optim.AdamW = functools.partial(torch.optim.AdamW, fused=True)
    m = a.method
    cfg = F.FinetuneConfig(method=m, epochs=a.epochs, lr=a.lr if m in ("full", "lpft") else None, batch_size=a.batch_size,
                           max_length=a.max_length, use_numeric=False, class_weights=None, patience=None, warmup_ratio=0.1,
                           weight_decay=0.01, max_grad_norm=1.0, seed=a.seed, device=str(device), pairs_per_example=1)
    split = pd.Series("train", index=docs.index)
    t0 = time.perf_counter()
    _, hist = F.finetune(docs, labels, split, model=a.model_dir, config=cfg, output_dir=None, show_progress=False)
    total = time.perf_counter() - t0
    return dict(loop_sps=hist["samples_per_second"], steady_sps=_steady(starts, a.batch_size * (2 if m == "contrastive" else 1), len(docs)),
                total_s=total, steps=hist["steps"], train_loss=hist["epochs"][-1]["train_loss"], base_rss_mb=base_rss,
                cuda_peak_mb=torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None)


def child_trainer(a, docs, labels, device):
    import numpy as np
    import torch
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,
                              TrainerCallback, TrainingArguments)
    from transformers.utils import logging as hf
    hf.set_verbosity_error(); hf.disable_progress_bar()
    _preimport(a.model_dir)
    base_rss = _current_rss_mb()
    starts = []

    class StepTimes(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):
            if device.type == "cuda": torch.cuda.synchronize(device)
            starts.append(time.perf_counter())

    classes = sorted(set(labels))
    code = {c: i for i, c in enumerate(classes)}
    t0 = time.perf_counter()
    torch.manual_seed(a.seed)
    tok = AutoTokenizer.from_pretrained(a.model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(a.model_dir, num_labels=len(classes))
    # the same token limit custseg uses: never more than the model's positions or the tokenizer's limit
    limit = min([a.max_length, getattr(model.config, "max_position_embeddings", None) or 10**9]
                + ([tok.model_max_length] if tok.model_max_length and tok.model_max_length < 1e6 else []))
    enc = tok(docs.tolist(), truncation=True, max_length=limit, padding=False)
    ds = [{"input_ids": ids, "labels": code[y]} for ids, y in zip(enc["input_ids"], labels.tolist())]
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(output_dir=out, per_device_train_batch_size=a.batch_size, num_train_epochs=a.epochs,
                                 learning_rate=a.lr, warmup_steps=0.1, weight_decay=0.01, max_grad_norm=1.0,
                                 lr_scheduler_type="linear", eval_strategy="no", save_strategy="no",
                                 logging_strategy="no", report_to="none", dataloader_num_workers=0,
                                 use_cpu=device.type == "cpu", fp16=device.type == "cuda", seed=a.seed, optim=a.trainer_optim,
                                 data_seed=a.seed, disable_tqdm=True)
        trainer = Trainer(model=model, args=args, train_dataset=ds, data_collator=DataCollatorWithPadding(tok),
                          callbacks=[StepTimes()])
        if device.type == "cuda": torch.cuda.reset_peak_memory_stats(device)
        res = trainer.train()
    total = time.perf_counter() - t0
    return dict(loop_sps=res.metrics["train_samples_per_second"], steady_sps=_steady(starts, a.batch_size, len(docs)),
                total_s=total, steps=res.global_step, train_loss=res.training_loss, base_rss_mb=base_rss,
                cuda_peak_mb=torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None)


def child(a):
    import pandas as pd
    import torch
    df = pd.read_parquet(a.child_data)
    docs = pd.Series(df["document"].to_numpy(object), index=pd.Index(df["customer_id"].astype(str)), dtype="str")
    labels = pd.Series(df["label"].astype(str).to_numpy(object), index=docs.index, dtype="str")
    if a.threads: torch.set_num_threads(a.threads)
    device = torch.device(a.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    r = (child_custseg if a.child == "custseg" else child_trainer)(a, docs, labels, device)
    r.update(run=a.child if a.child == "trainer" else f"custseg:{a.method}", device=str(device), threads=torch.get_num_threads(), peak_rss_mb=_rss_mb())
    print("RESULT " + json.dumps(r), flush=True)


# ---------------------------------------------------------------- parent

def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=256, help="training samples (default 256)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--model", default=None, help="'tiny' (custseg.testing.tiny_bert), a model folder, or default: the packaged MiniLM")
    ap.add_argument("--data", choices=["synthetic", "online_retail"], default="synthetic")
    ap.add_argument("--data-dir", default=None, help="folder holding online_retail/ (default: $CUSTSEG_DATA_DIR or ../shared/data)")
    ap.add_argument("--device", default=None, help="cpu, cuda, ...; default: CUDA when available")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch threads in both children (default: torch's choice; on a shared, busy CPU 1 can be much faster)")
    ap.add_argument("--trainer-optim", default="adamw_torch_fused", help="Trainer's `optim` (its default: adamw_torch_fused)")
    ap.add_argument("--custseg-fused", action="store_true", help="diagnostic: patch custseg's AdamW to fused=True in its child")
    ap.add_argument("--repeats", type=int, default=1, help="rounds of (custseg, Trainer), order alternating")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=900, help="seconds per child run")
    ap.add_argument("--methods", default="full,lpft,lora,contrastive", help="custseg methods to time (comma-separated)")
    ap.add_argument("--json", default=None, help="also write the settings and every run's figures to this JSON file (read by the fine-tuning report)")
    ap.add_argument("--child", choices=["custseg", "trainer"], help=argparse.SUPPRESS)
    ap.add_argument("--method", default="full", help=argparse.SUPPRESS)
    ap.add_argument("--child-data", help=argparse.SUPPRESS)
    ap.add_argument("--model-dir", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: return child(a)

    import pandas as pd
    with tempfile.TemporaryDirectory(prefix="bench-finetune-") as tmp:
        if a.model == "tiny":
            from custseg.testing import tiny_bert
            model_dir = str(tiny_bert(Path(tmp) / "tiny"))  # a kept folder: the children load it
        elif a.model is None:
            from custseg.embed import default_model
            model_dir = default_model()
        else: model_dir = a.model
        docs, labels = build_data(a.data, a.n, a.seed, a.data_dir)
        path = Path(tmp) / "data.parquet"
        pd.DataFrame({"customer_id": docs.index.astype(str), "document": docs.to_numpy(object),
                      "label": labels.to_numpy(object)}).to_parquet(path)
        words = docs.str.split().str.len()
        print(f"# data={a.data} n={len(docs)} classes={labels.nunique()} words/doc median={words.median():.0f} "
              f"max={words.max()}; model={model_dir}")
        print(f"# batch_size={a.batch_size} max_length={a.max_length} epochs={a.epochs} lr={a.lr} "
              f"trainer_optim={a.trainer_optim} custseg_fused={a.custseg_fused} device={a.device or 'auto'} threads={a.threads or 'default'} repeats={a.repeats}")
        common = ["--child-data", str(path), "--model-dir", model_dir, "--batch-size", str(a.batch_size),
                  "--max-length", str(a.max_length), "--epochs", str(a.epochs), "--lr", str(a.lr), "--seed", str(a.seed)]
        if a.device: common += ["--device", a.device]
        if a.threads: common += ["--threads", str(a.threads)]
        common += ["--trainer-optim", a.trainer_optim] + (["--custseg-fused"] if a.custseg_fused else [])
        env = dict(os.environ, TOKENIZERS_PARALLELISM="false")
        methods = [m.strip() for m in a.methods.split(",") if m.strip()]
        runs = [f"custseg:{m}" for m in methods] + ["trainer"]
        results = {r: [] for r in runs}
        for r in range(a.repeats):
            for run in (runs if r % 2 == 0 else runs[::-1]):
                kind, _, meth = run.partition(":")
                try:
                    p = subprocess.run([sys.executable, __file__, "--child", kind, *(["--method", meth] if meth else []), *common], capture_output=True,
                                       text=True, timeout=a.timeout, env=env, cwd=ROOT)
                except subprocess.TimeoutExpired:
                    print(f"{run}: over the {a.timeout} s limit", flush=True); continue
                line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
                if p.returncode or not line:
                    print(f"{run}: failed (rc {p.returncode}): " + "\n".join(p.stderr.strip().splitlines()[-15:]), flush=True)
                    continue
                res = json.loads(line[-1][7:]); results[run].append(res)
                print(f"{run:20s} loop {_fmt(res['loop_sps'], '7.1f')} samples/s  steady {_fmt(res['steady_sps'], '7.1f')} samples/s  "
                      f"total {res['total_s']:6.1f} s  steps {res['steps']}  loss {res['train_loss']:.3f}  "
                      f"peak RSS {res['peak_rss_mb']:5.0f} MB (after imports {res['base_rss_mb']:4.0f}, "
                      f"+{res['peak_rss_mb'] - res['base_rss_mb']:.0f} in the run)  "
                      f"CUDA peak {_fmt(res['cuda_peak_mb'], '.0f')} MB  [{res['device']}, {res['threads']} threads]", flush=True)
        best = lambda run, k: max((x[k] for x in results[run] if x[k]), default=None)
        for run in runs[:-1]:
            if not (results[run] and results["trainer"]): continue
            for k, what in (("loop_sps", "whole loop"), ("steady_sps", "steady")):
                c, t = best(run, k), best("trainer", k)
                if c and t: print(f"{run} / Trainer samples/s ({what}, best of {a.repeats}): {c:.1f} / {t:.1f} = {c / t:.2f}x")
            c, t = min(x["peak_rss_mb"] for x in results[run]), min(x["peak_rss_mb"] for x in results["trainer"])
            d = lambda r: min(x["peak_rss_mb"] - x["base_rss_mb"] for x in results[r])
            print(f"{run} / Trainer peak RSS MB: {c:.0f} / {t:.0f} (growth during the run: {d(run):.0f} / {d('trainer'):.0f})")
            cu = [min((x["cuda_peak_mb"] for x in results[r] if x["cuda_peak_mb"]), default=None) for r in (run, "trainer")]
            if all(cu): print(f"{run} / Trainer peak CUDA allocated MB: {cu[0]:.0f} / {cu[1]:.0f}")
        if a.json:
            settings = {k: getattr(a, k) for k in ("data", "n", "batch_size", "max_length", "epochs", "lr", "device", "threads", "repeats", "seed", "trainer_optim")}
            Path(a.json).write_text(json.dumps({"settings": {**settings, "model": {None: "all-MiniLM-L6-v2 (packaged)", "tiny": "tiny random BERT"}.get(a.model, str(a.model)), "n_docs": int(len(docs)),
                                                              "command": " ".join(["benchmarks/bench_finetune.py", *sys.argv[1:]])},
                                                 "runs": results}, indent=1, default=str))


if __name__ == "__main__":
    main()
