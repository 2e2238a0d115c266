"""Hostile input, faults and tampering, as a table: each case builds an input and names the outcome it must get.

Outcomes: `err(words)` -- exit status 2, one line on stderr starting `custseg: error:` that contains every word, no
traceback, and (for checks that need no data) no output folder; `led(reason, words)` -- exit 0, the run's ledger
drops rows under `reason` and still adds up, and a warning line names the file, row and value; `ok()` -- exit 0.
Everything runs in-process (`custseg.cli.main`) with the tiny random model, so the table costs seconds, not minutes.
A case can hide optional packages (`hide`): they are set to None in `sys.modules` for the run, as if not installed.
"""
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from custseg.cli import main
from custseg.data import load_transactions, clean_transactions

GENERIC = ["customer_id", "order_id", "time", "product_id", "description", "quantity", "unit_price", "country"]
PRODUCTS = ["white hanging heart t-light holder", "red retrospot cake stand", "garden hose and watering can",
            "set of four coffee mugs", "christmas tree decoration star", "party balloons assorted colours"]
FAST = ["--previous-cutoff", "none", "--no-report", "--no-cache", "--quiet"]


def orders(n_customers=12, start="2024-01-01") -> pd.DataFrame:
    "Three order lines per customer, all different, in canonical (generic) columns; times as ISO strings."
    rows = []
    for c in range(n_customers):
        for j in range(3):
            t = pd.Timestamp(start) + pd.Timedelta(days=5 * c + 9 * j, hours=c % 7)
            rows.append({"customer_id": f"K{c:03d}", "order_id": f"O{c}-{j}", "time": t.strftime("%Y-%m-%d %H:%M:%S"),
                         "product_id": f"P{(c * (j + 1)) % 6}", "description": PRODUCTS[(c * (j + 1)) % 6],
                         "quantity": str(1 + (c * j) % 5), "unit_price": str([1.25, 2.5, 4.95, 8.5][(c + j) % 4]),
                         "country": "UK"})
    return pd.DataFrame(rows, columns=GENERIC)


def uci(df: pd.DataFrame) -> pd.DataFrame:
    "The same lines in the UCI Online Retail layout, dates as m/d/yyyy h:mm like the original CSV."
    t = pd.to_datetime(df.time)
    return pd.DataFrame({"InvoiceNo": df.order_id, "StockCode": df.product_id, "Description": df.description,
                         "Quantity": df.quantity, "InvoiceDate": [f"{x.month}/{x.day}/{x.year} {x.hour}:{x.minute:02d}" for x in t],
                         "UnitPrice": df.unit_price, "CustomerID": df.customer_id, "Country": df.country})


def put(tmp: Path, df: pd.DataFrame, name="orders.csv", **kw) -> Path:
    p = tmp / name
    df.to_csv(p, index=False, **kw)
    return p


def changed(df, row, **values):
    df = df.copy()
    for k, v in values.items(): df.loc[row, k] = v
    return df


def _cut(s: str, at: str) -> str:
    "`s` truncated right after the last occurrence of `at`, as a copy interrupted mid-row."
    return s[:s.rindex(at) + len(at)]


def _write(p: Path, text: str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


@dataclass
class Case:
    name: str
    build: object  # (tmp, tiny_model) -> argv after the command, without --out
    kind: str  # "err", "led" or "ok"
    words: list = field(default_factory=list)  # in the error line / in the warning line
    reason: str = None  # ledger reason (kind "led")
    command: str = "segment"
    early: bool = True  # err: the output folder is never created (the check needs no clustering)
    hide: tuple = ()  # packages that look uninstalled during the run


def err(name, build, *words, early=True, command="segment", hide=()):
    return Case(name, build, "err", list(words), command=command, early=early, hide=hide)


def led(name, build, reason, *words):
    return Case(name, build, "led", list(words), reason=reason)


def tx(df, name="orders.csv", **kw):
    "A builder writing `df` and passing it as --transactions with the tiny model, k=2 and the quick options."
    return lambda tmp, model: ["--transactions", put(tmp, df, name, **kw), "--model", model, "--k", "2", *FAST]


def text(name, content):
    "A builder writing `content` verbatim."
    return lambda tmp, model: ["--transactions", _write(tmp / name, content), "--model", model, "--k", "2", *FAST]


def with_args(build, *extra):
    return lambda tmp, model: [*build(tmp, model), *extra]


def mixed_day_month():
    d = uci(orders())
    d.loc[1, "InvoiceDate"], d.loc[2, "InvoiceDate"] = "13/01/2024 10:00", "01/13/2024 10:00"  # one of each order
    return d


def ambiguous_generic():
    d = orders()
    d["time"] = [f"{t.day:02d}/{t.month:02d}/{t.year}" for t in pd.to_datetime(d.time)]
    return d.assign(time=lambda x: x.time.where(~x.time.str.startswith(("13", "14", "15", "16", "17", "18", "19", "2", "3")),
                                                 "05/04/2024"))  # no value says which order


def read_only_out(tmp, model):
    ro = tmp / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    probe = ro / "probe"
    try:  # root writes anyway; then a place nobody can write
        probe.mkdir(); probe.rmdir(); return Path("/proc/custseg-hostile") / "run"
    except OSError:
        return ro / "run"


def pickle_model(tmp, model):
    d = tmp / "pickled"
    d.mkdir()
    for f in Path(model).iterdir():
        if not f.name.endswith(".safetensors"): shutil.copy(f, d / f.name)
    (d / "pytorch_model.bin").write_bytes(b"\x80\x04not weights")
    return d


def out_is(path_fn):
    return lambda tmp, model: ["--transactions", put(tmp, orders()), "--model", model, *FAST, "--out", path_fn(tmp, model)]


SEGMENT_CASES = [
    # --- already handled before this suite: must stay so
    err("missing column", with_args(tx(orders().drop(columns="unit_price")), "--format", "generic"), "orders.csv",
        "'unit_price'", "columns present"),
    err("no known format", tx(orders().drop(columns="unit_price")), "orders.csv", "cannot tell the file format"),
    err("price not a number", tx(changed(orders(), 3, unit_price="£2.55")), "orders.csv", "'unit_price'", "row 3", "£2.55"),
    err("empty file", text("orders.csv", ""), "orders.csv", "empty file"),
    err("header only", text("orders.csv", ",".join(GENERIC) + "\n"), "orders.csv", "empty file"),
    err("truncated in a date", text("orders.csv", _cut(orders().to_csv(index=False), "2024-03-")), "orders.csv", "cannot parse as a date",
        "row 35", "'2024-03-'"),
    Case("truncated in a text (missing quantity)", text("orders.csv", orders().to_csv(index=False)[:-25]), "led",
         reason="zero quantity"),  # a short last row: its quantity is missing, a named reason (no warning: not implausible)
    err("missing file", lambda tmp, m: ["--transactions", tmp / "nope.csv", "--model", m, *FAST], "nope.csv", "file not found"),
    err("unsupported type", text("orders.json", "{}"), "orders.json", "unsupported file type"),
    Case("BOM and semicolons", tx(orders(), encoding="utf-8-sig", sep=";"), "ok"),
    Case("tab separated", tx(orders(), "orders.tsv", sep="\t"), "ok"),
    Case("huge field", tx(changed(orders(), 0, description="mug " * 250_000)), "ok"),
    # --- hostile data
    err("infinite price", tx(changed(uci(orders()), 4, UnitPrice="inf")), "orders.csv", "'UnitPrice' (unit_price)", "row 4",
        "not a finite number"),
    err("mixed day/month", tx(mixed_day_month()), "orders.csv", "'InvoiceDate'", "row 1: '13/01/2024 10:00' (day first)",
        "row 2: '01/13/2024 10:00' (month first)", "--dayfirst"),
    err("mixed day/month, --dayfirst", with_args(tx(mixed_day_month()), "--dayfirst"), "row 2", "not a day/month date"),
    err("ambiguous day/month", tx(ambiguous_generic()), "orders.csv", "'time'", "--dayfirst or --monthfirst"),
    Case("ambiguous day/month, --dayfirst", with_args(tx(ambiguous_generic()), "--dayfirst"), "ok"),
    led("year 2262", tx(changed(orders(), 7, time="2262-01-01 00:00:00")), "date outside plausible window",
        "orders.csv row 7", "2262-01-01"),
    led("year 2099", tx(changed(orders(), 7, time="2099-06-30 12:00:00")), "date outside plausible window", "2099-06-30"),
    led("year 1900", tx(changed(orders(), 8, time="1900-05-05 00:00:00")), "date outside plausible window",
        "orders.csv row 8", "1900-05-05"),
    led("quantity 10^12", tx(changed(orders(), 5, quantity="1000000000000")), "implausible quantity", "orders.csv row 5", "1e+12"),
    led("price 10^9", tx(changed(orders(), 6, unit_price="1e9")), "implausible unit price", "orders.csv row 6"),
    led("tighter --max-quantity", with_args(tx(changed(orders(), 5, quantity="400")), "--max-quantity", "100"),
        "implausible quantity", "quantity 400"),
    err("only cancellations", tx(orders().assign(quantity=lambda d: "-" + d.quantity)), "no purchases", "cancellations"),
    err("all quantities zero", tx(orders().assign(quantity="0")), "no usable transaction lines", "zero quantity"),
    err("two customers", tx(orders(n_customers=2)), "only 2 customer(s)", "at least 3"),
    err("identical customers", tx(orders().assign(description=PRODUCTS[0], product_id="P0", quantity="1", unit_price="2.5",
                                                  time="2024-03-01 10:00:00", order_id=lambda d: d.customer_id)),
        "distinct", "nothing tells them apart", early=False),
    err("--k larger than the customers", with_args(tx(orders(n_customers=4)), "--k", "5"), "--k 5", "there are 4", early=False),
    err("dbscan on 10 customers", with_args(tx(orders(n_customers=10)), "--method", "dbscan", "--k", "auto"),
        "dbscan found", "--method kmeans", early=False),
    # --- options, paths, model: refused before any data is read
    err("--k 1", with_args(tx(orders()), "--k", "1"), "--k must be at least 2"),
    err("--k with dbscan", with_args(tx(orders()), "--method", "dbscan"), "dbscan", "n_segments must be 'auto'"),
    err("--k-max 1", with_args(tx(orders()), "--k", "auto", "--k-max", "1"), "--k-max"),
    err("--numeric-weight 2", with_args(tx(orders()), "--numeric-weight", "2"), "--numeric-weight", "[0, 1]"),
    err("--previous-cutoff xyz", lambda tmp, m: [*tx(orders())(tmp, m)[:-len(FAST)], "--previous-cutoff", "xyz", "--quiet"],
        "--previous-cutoff 'xyz'"),
    err("--cutoff xyz", with_args(tx(orders()), "--cutoff", "xyz"), "--cutoff 'xyz'", "not a date"),
    err("--min-date xyz", with_args(tx(orders()), "--min-date", "xyz"), "--min-date 'xyz'"),
    err("--max-quantity -1", with_args(tx(orders()), "--max-quantity", "-1"), "--max-quantity", "positive"),
    err("directory as a file", lambda tmp, m: ["--transactions", tmp, "--model", m], "--transactions", "is a folder, not a file"),
    err("--engine ray, a folder without data", lambda tmp, m: ["--engine", "ray", "--transactions", (lambda p: (p.mkdir(), p)[1])(tmp / "empty"),
                                                             "--model", m], "--transactions", "no Parquet, CSV or Excel files"),
    err("--engine ray --sample-size 0", with_args(tx(orders()), "--engine", "ray", "--sample-size", "0"), "--sample-size", "at least 3"),
    err("--engine ray --backend onnx", with_args(tx(orders()), "--engine", "ray", "--backend", "onnx"), "--backend onnx", "use --backend auto, torch or torch-bf16"),
    err("--backend onnx without onnxruntime", with_args(tx(orders()), "--backend", "onnx"), "--backend onnx",
        "pip install onnxruntime onnx", hide=("onnxruntime",)),
    err("--backend onnx-int8 without onnx", with_args(tx(orders()), "--backend", "onnx-int8"), "--backend onnx-int8",
        "pip install onnxruntime onnx", hide=("onnx",)),
    err("--model bert-base-uncased offline", with_args(tx(orders()), "--model", "bert-base-uncased"), "bert-base-uncased",
        "not in the Hugging Face cache", "pass its path"),
    err("--model missing folder", lambda tmp, m: [*tx(orders())(tmp, m), "--model", tmp / "no-model"], "no-model", "does not exist"),
    err("--model pickle weights only", lambda tmp, m: [*tx(orders())(tmp, m), "--model", pickle_model(tmp, m)],
        "only pickle-based weights (pytorch_model.bin)", "safetensors"),
    err("--out is a file", out_is(lambda tmp, m: _write(tmp / "taken.txt", "x")), "taken.txt", "is a file, not a folder"),
    err("--out under a file", out_is(lambda tmp, m: _write(tmp / "taken.txt", "x") / "run"), "is a file, so no folder"),
    err("--out read-only", out_is(read_only_out), "cannot write in"),
    err("--out holds other files", out_is(lambda tmp, m: _write(tmp / "mine" / "thesis.docx", "x").parent),
        "not from a custseg run", "thesis.docx"),
]


def cli(argv, capsys):
    capsys.readouterr()
    code = main([str(a) for a in argv])
    o, e = capsys.readouterr()
    return code, o, e


def check_error(code, err_text, words):
    assert code == 2, err_text
    assert "Traceback" not in err_text
    lines = [l for l in err_text.strip().splitlines() if not l.startswith("custseg: warning:")]
    assert len(lines) == 1 and lines[0].startswith("custseg: error:"), err_text
    for w in words: assert w in lines[0], (w, lines[0])


@pytest.mark.parametrize("case", SEGMENT_CASES, ids=[c.name for c in SEGMENT_CASES])
def test_segment_table(case, tmp_path, tiny_model, capsys, monkeypatch):
    argv = [str(a) for a in case.build(tmp_path, tiny_model)]
    fresh = "--out" not in argv  # the folder did not exist before the run
    if fresh: argv += ["--out", str(tmp_path / "run")]
    out = Path(argv[argv.index("--out") + 1])
    for m in case.hide: monkeypatch.setitem(sys.modules, m, None)
    code, o, e = cli(["segment", *argv], capsys)
    monkeypatch.undo()
    if case.kind == "err":
        check_error(code, e, case.words)
        if case.early and fresh: assert not out.exists(), sorted(p.name for p in out.iterdir())
        if case.early and out.parent.exists(): assert not out.exists() or not (out / "run.json").exists()
        leftovers = [p.name for p in out.parent.glob(f".{out.name}.*")] if out.parent.exists() else []
        assert leftovers == [], leftovers
        return
    assert code == 0, e
    run = json.loads((out / "run.json").read_text())
    ledger = run["ledger"]["transactions"]
    assert ledger["kept"] + sum(ledger["dropped"].values()) == ledger["n_input"]
    assert run["n_segments"] >= 2
    if case.kind == "led":
        assert ledger["dropped"].get(case.reason, 0) >= 1, ledger
        warn = [l for l in e.splitlines() if l.startswith("custseg: warning:") and case.reason in l]
        assert len(warn) == (1 if case.words else 0), e
        for w in case.words: assert w in warn[0], (w, warn[0])
        if case.reason == "date outside plausible window":  # the default cutoff ignores the stray date
            assert pd.Timestamp(run["parameters"]["cutoff"]) <= pd.Timestamp("2024-03-15"), run["parameters"]["cutoff"]
            assert max(run["k_scores"], key=lambda r: r.get("k", 0)) is not None
            seg = pd.read_parquet(out / "segments.parquet")
            assert seg.recency_days.max() < 120 and seg.tenure_days.max() < 120, seg[["recency_days", "tenure_days"]].max()


# ---------------------------------------------------------------- runs: all old or all new, same seed same segments

def fit(tmp, model, capsys, name="run", extra=()):
    out = tmp / name
    code, _, e = cli(["segment", "--transactions", put(tmp, orders(), "fit.csv"), "--model", model, "--k", "2", *FAST,
                      "--out", out, *extra], capsys)
    assert code == 0, e
    return out


def test_no_report_leaves_no_stale_report(tmp_path, tiny_model, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text('{"n_segments": 3}')
    (out / "report.html").write_text("<p>3 segments</p>")  # an older run's report
    fit(tmp_path, tiny_model, capsys)
    assert not (out / "report.html").exists() and not (out / "report.ipynb").exists()
    assert json.loads((out / "run.json").read_text())["n_segments"] == 2


def test_a_run_killed_half_way_leaves_the_old_folder(tmp_path, tiny_model, capsys, monkeypatch):
    out = fit(tmp_path, tiny_model, capsys)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    import custseg.report  # the CLI imports it when a report is asked for
    def killed(*a, **k): raise KeyboardInterrupt("killed while rendering the report")
    monkeypatch.setattr(custseg.report, "render_report", killed)
    with pytest.raises(KeyboardInterrupt):
        main(["segment", "--transactions", str(put(tmp_path, orders(n_customers=15), "other.csv")), "--model", tiny_model,
              "--k", "3", "--previous-cutoff", "none", "--no-cache", "--quiet", "--out", str(out)])
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_same_seed_and_shuffled_rows_give_the_same_segments(tmp_path, tiny_model, capsys):
    a = fit(tmp_path, tiny_model, capsys, "a")
    shuffled = orders().sample(frac=1, random_state=3)
    code, _, e = cli(["segment", "--transactions", put(tmp_path, shuffled, "shuffled.csv"), "--model", tiny_model, "--k", "2",
                      *FAST, "--out", tmp_path / "b"], capsys)
    assert code == 0, e
    sa, sb = (pd.read_parquet(tmp_path / d / "segments.parquet").set_index("customer_id") for d in "ab")
    pd.testing.assert_series_equal(sa.segment, sb.segment.reindex(sa.index))


# ---------------------------------------------------------------- assign: tampered segmentation folders

def _npz(folder, change):
    f = folder / "segmentation" / "segmenter" / "segmenter.npz"
    with np.load(f, allow_pickle=False) as z: arrays = {k: z[k] for k in z.files}
    change(arrays)
    with open(f, "wb") as fh: np.savez(fh, **arrays)


def _json(folder, change, name="segmentation/segmentation.json"):
    f = folder / name
    d = json.loads(f.read_text())
    change(d)
    f.write_text(json.dumps(d))


def _set(key, value):
    def change(d): d[key] = value
    return change


def _nan_centroids(a):
    a["cluster_centers_"][0, 0] = np.nan
    a["model_centers_"][0, 0] = np.nan


def _object_array(folder):
    f = folder / "segmentation" / "segmenter" / "segmenter.npz"
    with np.load(f, allow_pickle=False) as z: arrays = {k: z[k] for k in z.files}
    arrays["labels_"] = np.array([{"x": 1}, None], dtype=object)  # needs pickle to load
    with open(f, "wb") as fh: np.savez(fh, **arrays)


TAMPER = [
    ("NaN centroids", lambda d, m: _npz(d, _nan_centroids), ["segmenter.npz", "NaN/infinite"]),
    ("centroids cut to 1 row", lambda d, m: _npz(d, lambda a: a.update(model_centers_=a["model_centers_"][:1])),
     ["segmenter.npz", "'model_centers_'", "shape"]),
    ("extra npz key", lambda d, m: _npz(d, lambda a: a.update(predict=np.zeros(3))), ["unexpected arrays ['predict']"]),
    ("integer centroids", lambda d, m: _npz(d, lambda a: a.update(cluster_centers_=a["cluster_centers_"].astype(int))),
     ["'cluster_centers_' must be float"]),
    ("labels out of range", lambda d, m: _npz(d, lambda a: a.update(labels_=a["labels_"] + 7)), ["labels outside"]),
    ("pickled object array", lambda d, m: _object_array(d), ["segmenter.npz", "not a readable array file"]),
    ("max_length a string", lambda d, m: _json(d, _set("max_length", "256")), ["segmentation.json", "'max_length' must be an int"]),
    ("names not strings", lambda d, m: _json(d, lambda j: j["names"].update({"0": 5})), ["segmentation.json", "'names'"]),
    ("names of other segments", lambda d, m: _json(d, _set("names", {"0": "a", "7": "b"})), ["'names' must name segments 0..1"]),
    ("unknown key", lambda d, m: _json(d, _set("run", "import os")), ["segmentation.json", "unknown keys ['run']"]),
    ("missing key", lambda d, m: _json(d, lambda j: j.pop("fuser")), ["missing keys ['fuser']"]),
    ("NaN in the fuser", lambda d, m: (d / "segmentation/segmentation.json").write_text(
        (d / "segmentation/segmentation.json").read_text().replace('"mean": [', '"mean": [NaN, ', 1)), ["not valid JSON", "NaN"]),
    ("fuser of other length", lambda d, m: _json(d, lambda j: j["fuser"]["scale"].pop()), ["'fuser' is malformed"]),
    ("invalid JSON", lambda d, m: (d / "segmentation/segmentation.json").write_text('{"format": '), ["segmentation.json",
                                                                                                   "not valid JSON"]),
    ("segmenter.json wrong type", lambda d, m: _json(d, _set("n_segments_", "two"), "segmentation/segmenter/segmenter.json"),
     ["segmenter.json", "'n_segments_' must be an int"]),
    ("segmenter.json unknown parameter", lambda d, m: _json(d, lambda j: j["params"].update(exec="x"),
                                                            "segmentation/segmenter/segmenter.json"), ["unknown parameters"]),
    ("no segmentation.json", lambda d, m: (d / "segmentation/segmentation.json").unlink(), ["holds no segmentation.json"]),
    ("model with pickle weights", lambda d, m: _json(d, _set("model", str(pickle_model(d.parent, m)))),
     ["only pickle-based weights", "fingerprint"]),
    ("model folder missing", lambda d, m: _json(d, _set("model", str(d.parent / "gone"))), ["gone", "does not exist",
                                                                                            "fingerprint"]),
]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, tiny_model):
    tmp = tmp_path_factory.mktemp("fitted")
    code = main(["segment", "--transactions", str(put(tmp, orders(), "fit.csv")), "--model", tiny_model, "--k", "2", *FAST,
                 "--out", str(tmp / "run")])
    assert code == 0
    return tmp / "run"


@pytest.mark.parametrize("name,tamper,words", TAMPER, ids=[t[0] for t in TAMPER])
def test_assign_refuses_a_tampered_folder(name, tamper, words, fitted, tmp_path, tiny_model, capsys):
    run = tmp_path / "run"
    shutil.copytree(fitted, run)
    tamper(run, tiny_model)
    code, _, e = cli(["assign", "--segmentation", run, "--transactions", put(tmp_path, orders()), "--out",
                      tmp_path / "new", "--no-cache", "--quiet"], capsys)
    check_error(code, e, words)
    assert not (tmp_path / "new").exists()


def test_assign_works_from_another_directory(fitted, tmp_path, tiny_model, capsys, monkeypatch):
    # the model was given as a relative path; the segmentation stores it resolved
    rel_model = os.path.relpath(tiny_model, fitted.parent)
    monkeypatch.chdir(fitted.parent)
    code, _, e = cli(["segment", "--transactions", "fit.csv", "--model", rel_model, "--k", "2", *FAST, "--out", "rel"], capsys)
    assert code == 0, e
    assert Path(json.loads((fitted.parent / "rel/segmentation/segmentation.json").read_text())["model"]).is_absolute()
    monkeypatch.chdir(tmp_path)
    code, _, e = cli(["assign", "--segmentation", fitted.parent / "rel", "--transactions", fitted.parent / "fit.csv",
                      "--out", "new", "--no-cache", "--quiet"], capsys)
    assert code == 0, e
    got = pd.read_parquet(tmp_path / "new" / "assignments.parquet").set_index("customer_id").segment
    fit_ = pd.read_parquet(fitted.parent / "rel" / "segments.parquet").set_index("customer_id").segment
    assert got.reindex(fit_.index).tolist() == fit_.tolist()


# ---------------------------------------------------------------- the report when there is no migration to show

def test_report_without_migration_synthetic(tmp_path, tiny_model):
    from custseg.synthetic import make_synthetic
    syn = make_synthetic(n_customers=60, seed=2, start="2024-01-01", end="2024-02-15")  # shorter than the 90-day window
    syn.transactions.to_parquet(tmp_path / "orders.parquet")
    code = main(["segment", "--transactions", str(tmp_path / "orders.parquet"), "--model", tiny_model, "--k", "3",
                 "--no-cache", "--quiet", "--out", str(tmp_path / "run")])
    assert code == 0
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["migration"]["summary"]["in_both"] == 0 and run["migration"]["summary"]["stayed_share"] is None
    html = (tmp_path / "run" / "report.html").read_text()
    assert "no migration to show" in html


def test_report_on_the_first_600_rows_of_online_retail(tmp_path, tiny_model, data_dir):
    f = data_dir / "online_retail" / "online_retail.parquet"
    if not f.exists(): pytest.skip(f"missing {f}")
    small = pd.read_parquet(f)
    small = small[small.CustomerID.notna()].head(600)
    small.to_parquet(tmp_path / "or600.parquet")
    assert small.CustomerID.nunique() >= 20
    code = main(["segment", "--transactions", str(tmp_path / "or600.parquet"), "--model", tiny_model, "--k", "3",
                 "--no-cache", "--quiet", "--out", str(tmp_path / "run")])
    assert code == 0
    assert (tmp_path / "run" / "report.html").exists()
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["n_segments"] == 3 and run["migration"]["summary"]["stayed_share"] is None
    nb = json.loads((tmp_path / "run" / "report.ipynb").read_text())
    assert str(tmp_path / "run") in json.dumps(nb) and ".run.new-" not in json.dumps(nb)  # names the final folder


def test_clean_bounds_load_only():
    "The plausibility bounds are there for hand-built tables too, and can be switched off."
    df = load_transactions_frame(orders())
    c, l = clean_transactions(df.assign(quantity=df.quantity.where(df.index != 0, 1e12)), max_quantity=None)
    assert "implausible quantity" not in l.dropped and len(c) == len(df)


def load_transactions_frame(df):
    return df.assign(time=pd.to_datetime(df.time), quantity=df.quantity.astype(float),
                     unit_price=df.unit_price.astype(float))
