"""Automatic k finds planted structure with the real default model: 5, 12 and 25 synthetic personas.

Slow (embeds 3,000 customer documents with all-MiniLM-L6-v2): skipped unless CUSTSEG_SLOW=1. The fast checks (planted
Gaussian blobs with 4, 12 and 25 centres) run in nbs/05_cluster.ipynb.
"""
import os

import pytest

from custseg.embed import Encoder
from custseg.pipeline import segment_customers
from custseg.synthetic import make_synthetic

pytestmark = pytest.mark.skipif(os.environ.get("CUSTSEG_SLOW") != "1", reason="slow: set CUSTSEG_SLOW=1 to run")


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return Encoder(cache=tmp_path_factory.mktemp("emb_cache"), show_progress=False)


@pytest.mark.parametrize("n_personas", [5, 12, 25])
def test_auto_k_finds_planted_personas(n_personas, encoder):
    syn = make_synthetic(n_customers=1000, seed=0, n_personas=n_personas)
    res = segment_customers(syn.transactions, syn.texts, encoder=encoder, seed=0, previous_cutoff=None,
                            truth=syn.customers.set_index("customer_id")["persona"])
    print(n_personas, res.n_segments, res.run["external_scores"], res.run["selection_reason"])
    assert res.n_segments == n_personas
    assert res.run["external_scores"]["ari"] >= 0.8
