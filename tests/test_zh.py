"""Chinese customers end to end: encodings, personal data in every output, words not phrases, personas recovered."""
import json, re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from custseg.cli import main, run_demo
from custseg.synthetic import make_synthetic
from custseg.testing import tiny_bert_zh

# every spelling the issue lists; planted in the texts (and as customer ids) and searched for, as bytes, in every output
PII = ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "+8613912345678",
       "11010519491231002X", "110105 19491231 002X", "6222021234567890123", "6228 4800 1234 5678 910",
       "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "item.taobao.com/item.htm?id=60012345",
       "m.tb.cn/h.Ux7Q", "zhang.wei＠qq.com", "wang_fang@163.com"]
ID_PII = ["18612345678", "li.na@qq.com"]  # customer ids that are personal data


@pytest.fixture(scope="module")
def tiny_zh(tmp_path_factory) -> str:
    return str(tiny_bert_zh(tmp_path_factory.mktemp("tiny_bert_zh")))


@pytest.fixture(scope="module")
def zh_files(tmp_path_factory):
    "A Chinese shop as order and review frames, with every PII spelling planted, and the folder to write files to."
    syn = make_synthetic(240, seed=5, language="zh")
    tx, ev = syn.transactions.copy(), syn.texts.copy()
    hit = ev.index[ev.kind.eq("review")][:len(PII)]
    ev.loc[hit, "text"] = [t + "联系" + p + "谢谢" for t, p in zip(ev.loc[hit, "text"], PII)]
    first = tx.customer_id.unique()[:len(ID_PII)]
    for old, new in zip(first, ID_PII):
        tx.loc[tx.customer_id == old, "customer_id"] = new; ev.loc[ev.customer_id == old, "customer_id"] = new
    return tx, ev, tmp_path_factory.mktemp("zh_files")


def _write(df:pd.DataFrame, path:Path, encoding:str) -> Path:
    path.write_bytes(df.to_csv(index=False).encode(encoding))
    return path


def _segment(d:Path, tx_file, ev_file, model, *extra) -> int:
    return main(["segment", "--transactions", str(tx_file), "--texts", str(ev_file), "--out", str(d), "--k", "3",
                 "--model", model, "--previous-cutoff", "none", "--no-cache", "--quiet", *extra])


def test_gbk_gb18030_utf8_bom_give_identical_segments(zh_files, tiny_zh):
    tx, ev, tmp = zh_files
    segs, encs = {}, {}
    for enc in ["utf-8-sig", "gbk", "gb18030"]:
        out = tmp / f"run_{enc}"
        assert _segment(out, _write(tx, tmp / f"orders_{enc}.csv", enc), _write(ev, tmp / f"reviews_{enc}.csv", enc),
                        tiny_zh, "--no-report") == 0
        segs[enc] = pd.read_parquet(out / "segments.parquet")
        encs[enc] = json.loads((out / "run.json").read_text(encoding="utf-8"))["ledger"]["transactions"]["notes"]["encodings"]
    assert list(encs["gbk"].values()) == ["gb18030"] and list(encs["utf-8-sig"].values()) == ["utf-8-sig"]
    cols = ["customer_id", "segment", "segment_name", "matching_terms", "document"]
    pd.testing.assert_frame_equal(segs["gbk"][cols], segs["utf-8-sig"][cols])
    pd.testing.assert_frame_equal(segs["gb18030"][cols], segs["utf-8-sig"][cols])
    assert segs["gbk"].document.str.contains("[\u4e00-\u9fff]").all()  # Chinese, not Latin-1 mojibake
    # --encoding overrides the detector
    out = tmp / "run_forced"
    assert _segment(out, tmp / "orders_gbk.csv", tmp / "reviews_gbk.csv", tiny_zh, "--no-report", "--encoding", "gbk") == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "segments.parquet")[cols], segs["gbk"][cols])


def test_undecodable_file_exits_2_with_one_line(tmp_path, capsys, tiny_zh):
    bad = tmp_path / "orders.csv"
    noise = bytes(np.random.default_rng(0).integers(128, 256, 400, dtype=np.uint8))
    bad.write_bytes(b"customer_id,order_id,time,product_id,description,quantity,unit_price,country\n"
                    b"C1,1,2023-01-01,P1," + noise + b",1,2.5,CN\n")
    capsys.readouterr()
    assert main(["segment", "--transactions", str(bad), "--out", str(tmp_path / "o"), "--model", tiny_zh, "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "orders.csv" in err[0] and "encoding" in err[0], err
    # a GBK file forced through the wrong codec names the line too
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("customer_id,order_id,time,product_id,description,quantity,unit_price,country\n"
                    "C1,1,2023-01-01,P1,香薰蜡烛,1,2.5,中国\n".encode("gbk"))
    assert main(["segment", "--transactions", str(gbk), "--out", str(tmp_path / "o"), "--model", tiny_zh, "--quiet",
                 "--encoding", "utf-8"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "line 2" in err[0], err


@pytest.fixture(scope="module")
def zh_run(zh_files, tiny_zh):
    tx, ev, tmp = zh_files
    out = tmp / "run_report"
    assert _segment(out, _write(tx, tmp / "orders.csv", "gb18030"), _write(ev, tmp / "reviews.csv", "gb18030"), tiny_zh) == 0
    return out


def test_no_pii_spelling_in_any_output_file(zh_run):
    files = [f for f in zh_run.rglob("*") if f.is_file()]
    assert {"segments.parquet", "report.html", "report.ipynb", "profiles.json", "run.json"} <= {f.name for f in files}
    needles = [p.encode("utf-8") for p in PII + ID_PII]
    needles += [re.sub(r"\D", "", p).encode() for p in PII if sum(c.isdigit() for c in p) >= 11]  # digits without separators
    for f in files:
        data = f.read_bytes()
        if f.suffix == ".parquet": data += pd.read_parquet(f).to_csv().encode("utf-8")  # compressed pages hide strings
        for n in needles: assert n not in data, (f.name, n)
    notes = json.loads((zh_run / "run.json").read_text(encoding="utf-8"))["ledger"]["texts"]["notes"]
    for kind in ["mobile", "id_number", "card", "iban", "web", "email"]: assert notes[f"text masked: {kind}"] > 0, kind
    assert notes["customer ids pseudonymised"] >= len(ID_PII)


def test_report_draws_chinese_labels(zh_run):
    from custseg.language import cjk_font
    if cjk_font() is None: pytest.skip("no CJK font installed (make setup installs fonts-noto-cjk where apt is available)")
    nb = (zh_run / "report.ipynb").read_text(encoding="utf-8")
    assert "missing from font" not in nb  # matplotlib's warning for a glyph drawn as an empty box
    assert "this model does not read this language" in nb  # the tiny model's unknown tokens are reported


def test_distinctive_terms_are_words_not_phrases(zh_run):
    profiles = json.loads((zh_run / "profiles.json").read_text(encoding="utf-8"))
    terms = [t for p in profiles for t, _ in p["top_words"]]
    assert terms and any(re.search("[\u4e00-\u9fff]", t) for t in terms)
    for t in terms:
        words = t.split()
        assert len(words) <= 2 and all(len(w) <= 5 for w in words if re.search("[\u4e00-\u9fff]", w)), t
    seg = pd.read_parquet(zh_run / "segments.parquet")
    matched = [w for s in seg.matching_terms for t in s.split(", ") if t for w in t.split()]
    assert matched and max(len(w) for w in matched if re.search("[\u4e00-\u9fff]", w)) <= 5


def test_tiny_model_recovers_the_planted_personas(tmp_path, tiny_zh):
    res = run_demo(tmp_path / "demo", n_customers=600, seed=0, language="zh", report=False, model=tiny_zh, cache=False,
                   show_progress=False, n_segments=5, previous_cutoff=None)
    truth = res.customers["truth"].to_numpy()
    ari = res.run["external_scores"]["ari"]
    shuffled = adjusted_rand_score(np.random.default_rng(0).permutation(truth), res.customers.segment)
    print("zh demo, tiny model: ARI", ari, "shuffled", shuffled, "unknown tokens", res.run["embedding"]["unknown_tokens"])
    assert ari >= 0.25 and ari > shuffled + 0.2
    assert all(re.search("[\u4e00-\u9fff]", p["name"]) for p in res.profiles)  # names carry Chinese product words
