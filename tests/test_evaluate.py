"""Segments scored by the next period (issue 13): the command writes `segment_value`, the report shows it beside a baseline."""
import json

import pandas as pd

from custseg.cli import main
from custseg.report import render_report
from custseg.synthetic import make_synthetic


def test_evaluate_segments_goes_into_run_json_and_the_report(tmp_path, tiny_model):
    make_synthetic(n_customers=250, seed=5).transactions.to_parquet(tmp_path / "orders.parquet")
    assert main(["segment", "--transactions", str(tmp_path / "orders.parquet"), "--cutoff", "2023-10-01", "--k", "3",
                 "--model", tiny_model, "--out", str(tmp_path / "run"), "--no-report", "--no-cache", "--quiet"]) == 0
    assert main(["evaluate-segments", "--run", str(tmp_path / "run"), "--transactions", str(tmp_path / "orders.parquet"),
                 "--horizon-days", "60"]) == 0
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    sv = run["segment_value"]
    assert sv["horizon_days"] == 60 and sv["cutoff"].startswith("2023-10-01")
    rows = {r["segmentation"]: r for r in sv["rows"]}
    assert set(rows) == {"custseg", "RFM classic", "RFM k-means, k=3"}
    assert rows["custseg"]["customers"] == run["n_customers"]
    assert all(0 <= r["nmi_value_tier"] <= 1 and 0 <= r["eta2_log_future_spend"] <= 1 for r in rows.values())
    html = render_report(tmp_path / "run").read_text(encoding="utf-8")
    assert "Do these segments predict next quarter?" in html
    assert "Beside a learning-free baseline" in html and "RFM k-means, k=3" in html


def test_report_without_segment_value_still_shows_the_baseline(tmp_path, tiny_model):
    make_synthetic(n_customers=150, seed=6).transactions.to_parquet(tmp_path / "orders.parquet")
    assert main(["segment", "--transactions", str(tmp_path / "orders.parquet"), "--k", "3", "--model", tiny_model,
                 "--out", str(tmp_path / "run"), "--no-cache", "--quiet"]) == 0
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "Beside a learning-free baseline" in html
    assert "Do these segments predict next quarter?" not in html
