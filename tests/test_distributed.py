"""Ray as the distributed engine (custseg.distributed): the same segments as the in-process run, the ledger adds up.

One local Ray instance (2 CPUs, no dashboard) serves every test of the module; skipped when ray is not installed.
"""
import json
import os

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ray.data")

from sklearn.metrics import adjusted_rand_score

from custseg.cli import main
from custseg.data import load_transactions, load_texts
from custseg.distributed import segment_distributed, ray_session
from custseg.pipeline import segment_customers
from custseg.synthetic import make_synthetic

K = 5  # the planted personas of the synthetic default


@pytest.fixture(scope="module")
def ray_local():
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with ray_session(num_cpus=2) as ray:  # opened once; every run of the module reuses it
        yield ray


@pytest.fixture(scope="module")
def synthetic_files(tmp_path_factory):
    "The synthetic default (2,000 customers) as a folder of two transaction partitions and one text file."
    d = tmp_path_factory.mktemp("syn")
    syn = make_synthetic(seed=0)
    tx = syn.transactions
    # a line without a customer id and an exact duplicate: the ledger must count both
    tx = pd.concat([tx, tx.iloc[[0]].assign(customer_id=pd.NA), tx.iloc[[5]]], ignore_index=True)
    (d / "tx").mkdir()
    half = len(tx) // 2
    tx.iloc[:half].to_parquet(d / "tx" / "part-0.parquet")
    tx.iloc[half:].to_parquet(d / "tx" / "part-1.parquet")
    syn.texts.to_parquet(d / "texts.parquet")
    return d, syn


@pytest.fixture(scope="module")
def in_process(synthetic_files, tiny_model):
    d, _ = synthetic_files
    files = sorted((d / "tx").glob("*.parquet"))
    return segment_customers(load_transactions(files), load_texts([d / "texts.parquet"]), model=tiny_model,
                             n_segments=K, show_progress=False)


def test_ray_run_equals_in_process(ray_local, synthetic_files, in_process, tiny_model, tmp_path):
    d, syn = synthetic_files
    run = segment_distributed(d / "tx", tmp_path / "run", texts=[d / "texts.parquet"], model=tiny_model, n_segments=K,
                              report=False)
    assert run["sample"]["size"] == run["n_customers"] == len(in_process.customers) == 2000
    seg = pd.read_parquet(tmp_path / "run" / "segments")
    assert seg["customer_id"].is_unique and len(seg) == 2000  # no customer's history was split across buckets
    assert run["engine"]["files"] == run["engine"]["read_tasks"] == 3  # small files: one task each
    mine = seg.set_index("customer_id")["segment"]
    theirs = in_process.customers.set_index("customer_id")["segment"]
    ari = adjusted_rand_score(theirs, mine.reindex(theirs.index))
    print(f"ARI Ray run vs in-process run: {ari:.4f}")
    assert ari >= 0.99
    # the ledgers, summed over buckets, are the in-process ledgers, and add up to the input lines
    for table in ("transactions", "texts"):
        a, b = run["ledger"][table], in_process.run["ledger"][table]
        assert (a["n_input"], a["kept"], a["dropped"]) == (b["n_input"], b["kept"], b["dropped"])
        assert a["kept"] + sum(a["dropped"].values()) == a["n_input"]
    assert run["ledger"]["transactions"]["n_input"] == len(syn.transactions) + 2
    assert run["ledger"]["transactions"]["dropped"]["missing customer id"] == 1
    assert run["ledger"]["transactions"]["dropped"]["exact duplicate"] == 1
    # features are the in-process features (recency and tenure moved to the default cutoff after the fact)
    cols = ["recency_days", "tenure_days", "monetary", "frequency"]
    np.testing.assert_allclose(seg.set_index("customer_id")[cols].reindex(theirs.index).to_numpy(dtype=float),
                               in_process.customers.set_index("customer_id")[cols].to_numpy(dtype=float), rtol=1e-9, atol=1e-9)
    # profiles from distributed aggregates: sizes and feature means of all customers
    profiles = json.loads((tmp_path / "run" / "profiles.json").read_text())
    assert sum(p["size"] for p in profiles) == 2000
    by_seg = seg.groupby("segment")["monetary"].mean()
    for p in profiles: assert p["features"]["monetary"] == pytest.approx(by_seg[p["segment"]], rel=1e-9)
    # design auto: the sample is every customer, so the same choice as the local run, on the same evidence
    assert run["design"]["requested"] == "auto" and run["design"]["design"] == in_process.run["design"]["design"]
    assert run["design"]["text_structure"]["silhouette"] == pytest.approx(in_process.run["design"]["text_structure"]["silhouette"], abs=1e-6)
    assert run["design"]["sample_customers"]["text_structure"] == 2000
    # the saved segmentation places the same customers in the same segments (custseg assign --engine ray)
    assert main(["assign", "--engine", "ray", "--segmentation", str(tmp_path / "run"), "--transactions", str(d / "tx"),
                 "--texts", str(d / "texts.parquet"), "--model", tiny_model, "--quiet", "--out", str(tmp_path / "assigned")]) == 0
    info = json.loads((tmp_path / "assigned" / "assign.json").read_text())
    again = pd.read_parquet(tmp_path / "assigned" / "assignments").set_index("customer_id")["segment"]
    assert info["n_customers"] == 2000 and (again.reindex(mine.index) == mine).all()
    assert info["ledger"]["transactions"] == run["ledger"]["transactions"]


def test_ray_sample_recovers_personas(ray_local, synthetic_files, in_process, tiny_model, tmp_path):
    "Fitted on a quarter of the customers through the CLI, every customer is still placed, and the personas are found as well."
    d, syn = synthetic_files
    out = tmp_path / "run"
    assert main(["segment", "--engine", "ray", "--transactions", str(d / "tx"), "--texts", str(d / "texts.parquet"),
                 "--model", tiny_model, "--k", str(K), "--sample-size", "500", "--no-report", "--quiet",
                 "--out", str(out)]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["sample"] == {**run["sample"], "size": 500, "of": 2000}
    assert len(pd.read_parquet(out / "segments.parquet")) == 500  # the report's table is the sample
    seg = pd.read_parquet(out / "segments").set_index("customer_id")["segment"]
    truth = syn.customers.set_index("customer_id")["persona"]
    full = in_process.customers.set_index("customer_id")["segment"]
    ari_sample = adjusted_rand_score(truth, seg.reindex(truth.index))
    ari_full = adjusted_rand_score(truth, full.reindex(truth.index))
    print(f"ARI with the personas: fitted on a sample of 500 {ari_sample:.3f}, in process on all 2000 {ari_full:.3f}")
    assert ari_sample >= ari_full - 0.1, (ari_sample, ari_full)
    assert ari_sample > 0.3


def test_ray_value_design_equals_in_process(ray_local, synthetic_files, tiny_model, tmp_path):
    "Value segments on Ray: the value model learned from the buckets' training rows, k and segments as in process; assign reuses them."
    d, _ = synthetic_files
    files = sorted((d / "tx").glob("*.parquet"))
    local = segment_customers(load_transactions(files), model=tiny_model, design="value", show_progress=False)
    run = segment_distributed(d / "tx", tmp_path / "run", model=tiny_model, design="value", report=False)
    assert run["design"]["design"] == local.run["design"]["design"] == "value"
    mv, lv = run["design"]["value_model"], local.run["design"]["value_model"]
    assert mv["learned_on"] == lv["learned_on"] and mv["customers"] == lv["customers"] == run["design"]["sample_customers"]["value_model"]
    np.testing.assert_allclose(np.asarray(mv["coef"]), np.asarray(lv["coef"]), rtol=1e-5, atol=1e-6)
    assert run["n_segments"] == local.run["n_segments"] and run["selection_reason"] == local.run["selection_reason"]
    seg = pd.read_parquet(tmp_path / "run" / "segments").set_index("customer_id")["segment"]
    theirs = local.customers.set_index("customer_id")["segment"]
    ari = adjusted_rand_score(theirs, seg.reindex(theirs.index))
    print(f"value design, ARI Ray run vs in-process run: {ari:.4f} (k = {run['n_segments']})")
    assert ari >= 0.99
    # the saved segmentation carries the value model: assign on Ray places every customer where the run did
    assert main(["assign", "--engine", "ray", "--segmentation", str(tmp_path / "run"), "--transactions", str(d / "tx"),
                 "--model", tiny_model, "--quiet", "--out", str(tmp_path / "assigned")]) == 0
    again = pd.read_parquet(tmp_path / "assigned" / "assignments").set_index("customer_id")["segment"]
    assert (again.reindex(seg.index) == seg).all()


def test_one_large_parquet_file_is_read_in_parts(ray_local, synthetic_files, tmp_path):
    "A Parquet file of many row groups is read by several tasks; the customers and the ledger are those of reading it whole."
    from custseg.distributed import customer_table, _read_tasks
    d, _ = synthetic_files
    tx = pd.concat([pd.read_parquet(f) for f in sorted((d / "tx").glob("*.parquet"))], ignore_index=True)
    tx.to_parquet(tmp_path / "orders.parquet", row_group_size=4000)
    assert len(_read_tasks(tmp_path / "orders.parquet", "tx", rows_per_task=10_000)) >= 3
    out = {}
    for name, per_task in (("whole", 10 ** 9), ("parts", 10_000)):
        ds, led, _, cutoff, info = customer_table(tmp_path / "orders.parquet", rows_per_task=per_task)
        out[name] = (ds.to_pandas().drop(columns=["p_product", "p_description", "p_quantity"]).set_index("customer_id").sort_index(),
                     led.to_dict(), cutoff, info)
    (cw, lw, tw, iw), (cp, lp, tp, ip) = out["whole"], out["parts"]
    assert iw["read_tasks"] == 1 and ip["read_tasks"] >= 3 and iw["files"] == ip["files"] == 1
    assert lw == lp and tw == tp and lw["kept"] + sum(lw["dropped"].values()) == lw["n_input"] == len(tx)
    pd.testing.assert_frame_equal(cw, cp)


def test_ray_actors_use_the_drivers_backend(ray_local, tiny_model, tmp_path):
    "A backend other than this machine's default reaches every actor: else their fingerprint check fails the run."
    from custseg.embed import Encoder, default_backend
    make_synthetic(n_customers=300, seed=1).transactions.to_parquet(tmp_path / "tx.parquet")
    other = "torch" if default_backend(tiny_model) == "torch-bf16" else "torch-bf16"
    run = segment_distributed(tmp_path / "tx.parquet", tmp_path / "run", model=tiny_model, n_segments=3, backend=other,
                              report=False)
    assert run["model_fingerprint"] == Encoder(tiny_model, backend=other).fingerprint
    assert run["model_fingerprint"] != Encoder(tiny_model, backend=default_backend(tiny_model)).fingerprint
    with pytest.raises(ValueError, match="ONNX runs in process"):
        segment_distributed(tmp_path / "tx.parquet", tmp_path / "run2", model=tiny_model, backend="onnx")
