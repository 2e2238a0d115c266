"""Shared fixtures: the tiny offline model, an isolated embedding cache, the real data when present."""
import os
from pathlib import Path

import pytest

from custseg.data import shared_data_dir
from custseg.testing import tiny_bert

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    return str(tiny_bert(tmp_path_factory.mktemp("tiny_bert")))


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    # Tests never read or write the user's embedding cache.
    monkeypatch.setenv("CUSTSEG_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    d = shared_data_dir()
    if d is None:
        pytest.skip("../shared/data is absent")
    return Path(d)


@pytest.fixture(scope="session")
def online_retail_files(data_dir):
    files = [data_dir / "online_retail_ii_2009_2010" / "online_retail_ii_2009_2010.parquet",
             data_dir / "online_retail" / "online_retail.parquet"]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        pytest.skip(f"missing {missing}")
    return files
