"""The `custseg` console command end to end, as a user runs it (a subprocess, the installed entry point)."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

CUSTSEG = [sys.executable, "-c", "import sys; from custseg.cli import main; sys.exit(main())"]


def run(*args, **kw):
    return subprocess.run(CUSTSEG + [str(a) for a in args], capture_output=True, text=True, **kw)


def test_demo_writes_every_artifact_and_an_offline_report(tmp_path, tiny_model):
    out = tmp_path / "demo"
    r = run("demo", "--out", out, "--customers", 300, "--model", tiny_model, "--quiet")
    assert r.returncode == 0, r.stderr
    for f in ["segments.parquet", "profiles.json", "run.json", "k_scores.csv", "report.html", "report.ipynb"]:
        assert (out / f).exists(), f
    seg = pd.read_parquet(out / "segments.parquet")
    assert {"customer_id", "segment", "segment_name", "x", "y"} <= set(seg.columns)
    assert seg.customer_id.is_unique and len(seg) == 300
    run_info = json.loads((out / "run.json").read_text())
    led = run_info["ledger"]["transactions"]
    assert led["kept"] + sum(led["dropped"].values()) == led["n_input"]
    assert {"ari", "nmi"} <= set(run_info["external_scores"])
    assert run_info["n_segments"] == seg.segment.nunique()
    assert {"versions", "timings_s", "k_scores", "selection_reason"} <= set(run_info)
    profiles = json.loads((out / "profiles.json").read_text())
    assert sorted(p["segment"] for p in profiles) == sorted(seg.segment.unique())
    html = (out / "report.html").read_text()
    # self-contained: nothing fetched from another server, plots embedded
    assert not re.search(r'<script[^>]+src=["\']https?:', html)
    assert not re.search(r'<link[^>]+href=["\']https?:', html)
    assert "data:image/png;base64" in html
    for p in profiles:
        assert p["name"] in html


def test_segment_on_files_with_fixed_k(tmp_path, tiny_model):
    from custseg.synthetic import make_synthetic
    syn = make_synthetic(n_customers=150, seed=3)
    tx = tmp_path / "orders.csv"
    syn.transactions.to_csv(tx, index=False)
    texts = tmp_path / "texts.parquet"
    syn.texts.to_parquet(texts)
    out = tmp_path / "run"
    r = run("segment", "--transactions", tx, "--texts", texts, "--k", 3, "--model", tiny_model,
            "--out", out, "--no-report", "--quiet")
    assert r.returncode == 0, r.stderr
    seg = pd.read_parquet(out / "segments.parquet")
    assert seg.segment.nunique() == 3 and len(seg) == 150
    assert not (out / "report.html").exists()


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "orders.csv"
    bad.write_text("customer_id,order_id,time,product_id,description,quantity,unit_price,country\n"
                   "1,A1,2024-01-03,P1,mug,1,2.5,UK\n"
                   "2,A2,not-a-date,P1,mug,1,2.5,UK\n")
    r = run("segment", "--transactions", bad, "--out", tmp_path / "run", "--quiet")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    line = r.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "orders.csv" in line and "time" in line and "not-a-date" in line


def test_missing_file_and_missing_column(tmp_path):
    r = run("segment", "--transactions", tmp_path / "nope.csv", "--out", tmp_path / "run", "--quiet")
    assert r.returncode == 2 and "nope.csv" in r.stderr
    bad = tmp_path / "orders.csv"
    bad.write_text("customer_id,time,quantity\n1,2024-01-03,1\n")
    r = run("segment", "--transactions", bad, "--format", "generic", "--out", tmp_path / "run", "--quiet")
    assert r.returncode == 2 and "orders.csv" in r.stderr and "unit_price" in r.stderr


def test_finetune_labelled_texts_errors_are_one_line(tmp_path):
    "A user's labelled-texts file: texts without labels, a rare class and an unknown method stop with exit 2 and a named reason."
    f = tmp_path / "reviews.csv"
    rows = [f"c{i},{'great mug' if i % 2 else 'broken mug'},{'pos' if i % 2 else 'neg'}" for i in range(12)]
    f.write_text("customer_id,text,label\n" + "\n".join(rows + ["c99,no label here,"]) + "\n")
    r = run("finetune", "--texts-labelled", f, "--out", tmp_path / "ft", "--quiet")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "reviews.csv" in r.stderr and "a text but no label" in r.stderr and "c99" in r.stderr
    f.write_text("customer_id,text,label\n" + "\n".join(rows + ["c98,one of a kind,rare"]) + "\n")
    r = run("finetune", "--texts-labelled", f, "--out", tmp_path / "ft", "--quiet")
    assert r.returncode == 2 and "class 'rare' has 1 customer(s)" in r.stderr
    r = run("finetune", "--texts-labelled", f, "--method", "magic", "--out", tmp_path / "ft")
    assert r.returncode == 2 and "invalid choice: 'magic'" in r.stderr
