"""LP-FT settings on real data (the table in nbs/12_finetune.ipynb): can fine-tuning beat its own linear probe on validation?

Online Retail value tier (or churn), cutoff 2011-09-01, the split of the fine-tuning report (`split_customers(seed=1)`)
and its stratified 400-customer training subsample (random_state 0); all validation customers. The test customers are
not passed in at all: every figure is a validation figure. Each setting trains LP-FT with `patience=None`, so every
epoch's validation macro-F1 is recorded (epoch 0 is the probe). Results are appended to a JSON file; a setting already
there is skipped, so an interrupted sweep continues. Slow on CPU (about 7 min per 4 epochs at 48 tokens on a busy core).

    PYTHONPATH=. .venv/bin/python benchmarks/lpft_settings.py value_tier '{"lr3e-5 len48": {"lr": 3e-5, "max_length": 48, "epochs": 4}}' out.json
"""
import os, sys, json, time
os.environ.setdefault("OMP_NUM_THREADS", "1"); os.environ.setdefault("MKL_NUM_THREADS", "1")
import torch; torch.set_num_threads(1)
import numpy as np, pandas as pd
from sklearn.model_selection import train_test_split
from custseg.data import load_transactions, clean_transactions, shared_data_dir
from custseg.features import customer_features, customer_documents, FEATURE_COLUMNS
from custseg.labels import value_tier_labels, churn_labels, split_customers
from custseg.embed import default_model
from custseg.finetune import FinetuneConfig, finetune

target, configs, outp = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
root = shared_data_dir()
files = [root/"online_retail_ii_2009_2010"/"online_retail_ii_2009_2010.parquet", root/"online_retail"/"online_retail.parquet"]
tx, _ = clean_transactions(load_transactions(files))
cut = pd.Timestamp("2011-09-01")
feats = customer_features(tx, cutoff=cut); docs = customer_documents(tx, cutoff=cut)
y_all = (value_tier_labels if target == "value_tier" else churn_labels)(tx, cut, 90).astype(str)
split = split_customers(y_all, seed=1)
tr = split.index[(split == "train").to_numpy()].sort_values()
keep, _ = train_test_split(np.asarray(tr), train_size=400, stratify=y_all.reindex(tr).to_numpy(), random_state=0)
split = split.drop(tr.difference(pd.Index(keep)))
split = split[split != "test"]  # validation only: the test customers are not even passed in
used = split.index
words = [len(d.split()) for d in docs.loc[used]]
print("words per document: median", np.median(words), "p90", np.percentile(words, 90), flush=True)
res = json.load(open(outp)) if os.path.exists(outp) else []
for name, kw in configs.items():
    if any(r["name"] == name for r in res): continue
    t0 = time.perf_counter()
    cfg = FinetuneConfig(**{"batch_size": 16, "seed": 0, "patience": None, **kw})
    _, h = finetune(docs.loc[used], y_all.loc[used], split, feats.loc[used, FEATURE_COLUMNS], model=default_model(), config=cfg, show_progress=False)
    r = {"name": name, "target": target, "config": kw, "secs": round(time.perf_counter() - t0, 1),
         "val_f1": [round(e["val_macro_f1"], 4) for e in h["epochs"]], "val_loss": [round(e.get("val_loss", float("nan")), 4) for e in h["epochs"]],
         "best_epoch": h["best_epoch"], "best": h["best_val_macro_f1"]}
    print(json.dumps(r), flush=True); res.append(r)
    json.dump(res, open(outp, "w"), indent=1)
