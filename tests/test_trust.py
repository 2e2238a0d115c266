"""Segments people can trust: every algorithm round-trips through save/load/assign, noise is accounted for,
and a report notebook's rerun reproduces the command-line run."""
import json

import numpy as np
import pandas as pd
import papermill as pm
import pytest

from custseg.cluster import METHODS
from custseg.pipeline import Segmentation, load_result, segment_customers
from custseg.report import report_template
from custseg.synthetic import make_synthetic


@pytest.fixture(scope="module")
def syn():
    return make_synthetic(n_customers=300, seed=1)


@pytest.mark.parametrize("method,reduce", [(m, None) for m in METHODS] + [("kmeans", "pca"), ("gmm", "pca")])
def test_every_method_assigns_new_customers_like_the_fit(method, reduce, syn, tiny_model, tmp_path):
    res = segment_customers(syn.transactions, syn.texts, model=tiny_model, method=method, reduce=reduce,
                            cache=False, show_progress=False, k_max=6)
    run = res.run
    assert run["n_noise"] == int((res.customers.segment == -1).sum())
    assert len(res.profiles) == res.n_segments == res.customers.loc[res.customers.segment >= 0, "segment"].nunique()
    res.save(tmp_path)
    back = load_result(tmp_path)
    assigned, _ = back.segmentation.assign(syn.transactions, syn.texts, cache=False, show_progress=False)
    fit = res.customers.set_index("customer_id").segment
    assert assigned.set_index("customer_id").segment.reindex(fit.index).tolist() == fit.tolist()


@pytest.mark.parametrize("method", ["hdbscan", "dbscan"])
def test_noise_is_reported_and_can_be_assigned(method, syn, tiny_model):
    kept = segment_customers(syn.transactions, syn.texts, model=tiny_model, method=method, cache=False,
                             show_progress=False)
    moved = segment_customers(syn.transactions, syn.texts, model=tiny_model, method=method, assign_noise=True,
                              cache=False, show_progress=False)
    assert (moved.customers.segment >= 0).all()
    assert moved.run["n_noise_assigned"] == kept.run["n_noise"]
    noise = kept.customers.segment == -1
    assert (kept.customers.loc[noise, "segment_name"] == "unassigned (noise)").all()


def test_rerun_from_the_report_notebook_is_identical(tmp_path, tiny_model):
    from custseg.cli import main
    assert main(["demo", "--out", str(tmp_path / "cli"), "--customers", "250", "--seed", "4", "--model", tiny_model,
                 "--no-report", "--no-cache", "--quiet"]) == 0
    pm.execute_notebook(str(report_template()), str(tmp_path / "report.ipynb"), kernel_name="python3",
                        parameters={"run_dir": "", "out_dir": str(tmp_path / "nb"), "n_customers": 250, "seed": 4,
                                    "model": tiny_model, "previous_cutoff": "90D", "cache": False},
                        progress_bar=False, cwd=str(tmp_path))
    a = pd.read_parquet(tmp_path / "cli" / "segments.parquet")
    b = pd.read_parquet(tmp_path / "nb" / "segments.parquet")
    pd.testing.assert_frame_equal(a, b)
    ra, rb = (json.loads((tmp_path / d / "profiles.json").read_text()) for d in ("cli", "nb"))
    assert ra == rb
