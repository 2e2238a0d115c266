"""The Online Retail adapters and a full pipeline run on both years (skipped when ../shared/data is absent)."""
import pandas as pd
import pytest

from custseg.data import clean_transactions, detect_format, load_transactions, read_table
from custseg.pipeline import segment_customers


@pytest.fixture(scope="module")
def both_years(online_retail_files):
    return load_transactions(online_retail_files)


def test_formats_are_detected(online_retail_files):
    ii, i = online_retail_files
    assert detect_format(read_table(ii)) == "online_retail_ii"
    assert detect_format(read_table(i)) == "online_retail"


def test_both_years_load_and_every_row_is_accounted_for(both_years):
    assert len(both_years) == 525_461 + 541_909
    clean, ledger = clean_transactions(both_years)
    d = ledger.to_dict()
    assert d["n_input"] == len(both_years)
    assert d["kept"] + sum(d["dropped"].values()) == d["n_input"] == len(clean) + sum(d["dropped"].values())
    assert d["dropped"]["missing customer id"] == 135_080 + 107_927
    assert clean.is_cancellation.sum() > 0 and (clean.loc[clean.is_cancellation, "quantity"] < 0).all()
    assert clean.customer_id.nunique() > 5_000


def test_pipeline_on_both_years(both_years, tiny_model):
    # A tiny model keeps this test fast; the committed report uses the real one.
    res = segment_customers(both_years, model=tiny_model, cache=False, show_progress=False, k_max=8,
                            sources=["online_retail_ii", "online_retail"])
    seg = res.customers
    assert seg.customer_id.is_unique
    assert 2 <= res.n_segments <= 8
    assert set(seg.segment) == {p["segment"] for p in res.profiles}
    # Postage, fees and adjustments are not products, so a segment of customers who mostly cancel or buy little may
    # have no distinctive product; every other segment must have some.
    no_products = [p["segment"] for p in res.profiles if not p["top_products"]]
    breadth = seg.groupby("segment")["product_breadth"].median()
    assert len(no_products) <= 1 and all(breadth[s] < seg["product_breadth"].median() for s in no_products), (no_products, breadth)
    assert abs(sum(p["share"] for p in res.profiles) - 1) < 1e-9
    assert pd.Series([p["name"] for p in res.profiles]).is_unique
