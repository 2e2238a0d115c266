"""LoRA settings on real data (the table in nbs/12_finetune.ipynb): Online Retail value tier, 200 training / 200 validation
customers, max_length 48, 3 epochs, from the linear probe. ~20 min on one busy CPU core.

    PYTHONPATH=. .venv/bin/python benchmarks/lora_settings.py [out.csv]
"""
import os, sys, time, json, numpy as np, pandas as pd, torch
torch.set_num_threads(1)
from custseg.data import load_transactions, clean_transactions, shared_data_dir
from custseg.features import customer_features, customer_documents, FEATURE_COLUMNS
from custseg.labels import value_tier_labels, split_customers
from custseg.finetune import FinetuneConfig, finetune
root = shared_data_dir()
files = [root/"online_retail_ii_2009_2010"/"online_retail_ii_2009_2010.parquet", root/"online_retail"/"online_retail.parquet"]
tx, _ = clean_transactions(load_transactions(files))
cut = pd.Timestamp("2011-09-01")
feats = customer_features(tx, cutoff=cut); docs = customer_documents(tx, None, cutoff=cut)
y = value_tier_labels(tx, cut, 90).astype(str)
sp = split_customers(y, seed=1)
rng = np.random.default_rng(0)
keep = []
for s, n in (("train", 200), ("val", 200)):
    ids = sp.index[(sp == s).to_numpy()]
    keep += list(rng.choice(ids, n, replace=False))
keep = pd.Index(sorted(keep))
d, yy, ss, X = docs.loc[keep], y.loc[keep], sp.loc[keep], feats.loc[keep, FEATURE_COLUMNS]
print(ss.value_counts().to_dict(), yy[ss == "val"].value_counts().to_dict(), flush=True)
A = ["query", "key", "value", "dense"]
grid = [
  ("q,v r8 a16 lr5e-4 head1e-3 [old adapters]", dict(lora_r=8, lora_alpha=16, lora_target_modules=None, lr=5e-4, head_lr=1e-3)),
  ("q,v r8 a16 lr2e-3 head1e-4", dict(lora_r=8, lora_alpha=16, lora_target_modules=None, lr=2e-3, head_lr=1e-4)),
  ("all r16 a32 lr1e-3 head1e-4", dict(lora_r=16, lora_alpha=32, lora_target_modules=A, lr=1e-3, head_lr=1e-4)),
  ("all r16 a32 lr3e-3 head1e-4", dict(lora_r=16, lora_alpha=32, lora_target_modules=A, lr=3e-3, head_lr=1e-4)),
  ("all r16 a32 lr1e-3 head1e-3", dict(lora_r=16, lora_alpha=32, lora_target_modules=A, lr=1e-3, head_lr=1e-3)),
]
rows = []
for name, kw in grid:
    t = time.time()
    cfg = FinetuneConfig(method="lora", epochs=3, max_length=48, patience=None, **kw)
    clf, h = finetune(d, yy, ss, X, config=cfg, show_progress=False)
    ep = h["epochs"]
    r = {"setting": name, "val loss start": ep[0]["val_loss"], "val loss end": ep[-1]["val_loss"],
         "val loss min": min(e["val_loss"] for e in ep), "probe val F1": ep[0]["val_macro_f1"],
         "best val F1": h["best_val_macro_f1"], "best epoch": h["best_epoch"], "trainable": h["trainable_parameters"],
         "seconds": round(time.time() - t), "warnings": len(h["warnings"])}
    rows.append(r); print(json.dumps(r), flush=True)
pd.DataFrame(rows).to_csv(sys.argv[1] if len(sys.argv) > 1 else "lora_settings.csv", index=False)
print(pd.DataFrame(rows).round(4).to_string(index=False))
