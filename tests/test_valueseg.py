"""Value segments (issue 13): the design rule, the stated variance share, the k rule, no look-ahead, save/assign."""
import numpy as np
import pandas as pd
import pytest

from custseg.embed import Encoder
from custseg.pipeline import segment_customers, Segmentation
from custseg.synthetic import make_synthetic
from custseg.valueseg import VALUE_SHARE, VALUE_R2, block_shares

CUTOFF = "2023-10-01"


@pytest.fixture(scope="module")
def syn():
    return make_synthetic(n_customers=300, seed=3)


@pytest.fixture(scope="module")
def enc(tiny_model, tmp_path_factory):
    return Encoder(tiny_model, cache=tmp_path_factory.mktemp("vcache"), show_progress=False)


@pytest.fixture(scope="module")
def value_run(syn, enc):
    return segment_customers(syn.transactions, syn.texts, cutoff=CUTOFF, encoder=enc, design="value", seed=0,
                             show_progress=False)


def test_value_design_meets_its_stated_share_and_k_rule(value_run):
    d = value_run.run["design"]
    assert d["design"] == "value" and d["value_model"]["learned_on"][1].startswith(CUTOFF)
    value_share, _ = block_shares(value_run.embeddings)
    assert abs(value_share - VALUE_SHARE) < 1e-3
    t = value_run.k_scores
    k = value_run.n_segments
    assert bool(t.loc[k, "chosen"]) and {"value_r2", "smallest_share", "spend_spread", "recency_spread_days"} <= set(t.columns)
    # the smallest k that holds VALUE_R2 of the value scores' variance (or the largest tried when none does)
    assert (t.loc[t.index < k, "value_r2"] < VALUE_R2).all()
    assert t.loc[k, "value_r2"] >= VALUE_R2 or k == t.index.max()
    assert k >= 3


def test_value_segments_differ_in_predicted_value(value_run):
    c = value_run.customers
    X = value_run.embeddings[:, :2]
    means = pd.DataFrame(X).groupby(c.segment.to_numpy()).mean()
    # segments are cut along the value scores: their means spread over at least one standard deviation of a score
    assert (means.max() - means.min()).max() / X.std(0).max() > 1.0


def test_no_look_ahead(syn, enc, value_run):
    tx = syn.transactions.copy()
    later = pd.to_datetime(tx["time"]) >= pd.Timestamp(CUTOFF)
    assert later.any()
    tx.loc[later, "quantity"] = tx.loc[later, "quantity"] * 5  # the future changes; the segments may not
    again = segment_customers(tx, syn.texts, cutoff=CUTOFF, encoder=enc, design="value", seed=0, show_progress=False)
    assert again.customers.segment.tolist() == value_run.customers.segment.tolist()


def test_saved_value_segmentation_reassigns_its_customers(syn, enc, value_run, tmp_path):
    value_run.save(tmp_path / "run")
    seg = Segmentation.load(tmp_path / "run")
    out, _ = seg.assign(syn.transactions, syn.texts, cutoff=CUTOFF, encoder=enc, show_progress=False)
    a = value_run.customers.set_index("customer_id").segment
    assert (out.set_index("customer_id").segment.reindex(a.index) == a).all()


class _FlatEncoder:
    "Every document embeds the same (as CDNOW's, which carry no product text)."
    model_name, fingerprint, max_length, dim, device, last_stats = "flat", "0" * 32, 256, 8, "cpu", {}
    def encode(self, docs): return np.tile(np.eye(8)[0], (len(docs), 1)).astype(np.float32)


def test_auto_design_picks_value_when_documents_are_all_alike(syn):
    res = segment_customers(syn.transactions, syn.texts, cutoff=CUTOFF, encoder=_FlatEncoder(), n_segments=4, seed=0,
                            show_progress=False)
    d = res.run["design"]
    assert d["design"] == "value" and d["text_structure"]["silhouette"] == 0.0
    assert res.n_segments == 4
    assert abs(block_shares(res.embeddings)[0] - 1.0) < 1e-6  # flat text: the value scores carry everything


def test_auto_design_follows_the_text_structure_rule(value_run, syn, enc):
    from custseg.cluster import WEAK_SILHOUETTE
    res = segment_customers(syn.transactions, syn.texts, cutoff=CUTOFF, encoder=enc, n_segments=3, seed=0, show_progress=False)
    d = res.run["design"]
    assert d["design"] == ("taste" if d["text_structure"]["silhouette"] >= WEAK_SILHOUETTE else "value")


def test_taste_design_is_the_fused_matrix(syn, enc):
    res = segment_customers(syn.transactions, syn.texts, cutoff=CUTOFF, encoder=enc, design="taste", n_segments=3,
                            seed=0, show_progress=False)
    assert res.run["design"]["design"] == "taste" and res.run["design"]["numeric_weight"] == 0.2
    assert res.embeddings.shape[1] == enc.dim + 7
