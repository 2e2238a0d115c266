# Two commands do everything on a fresh machine (README): `make demo` and `make test`.
# Both create the virtual environment on first use and are safe to rerun.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU wheel of torch is pinned here, not in setup.py: installed first so that
# nothing pulls a CUDA build. On a GPU machine: make TORCH_SPEC=torch demo
TORCH_SPEC ?= torch==2.13.0
DEMO_OUT ?= runs/demo
DATA ?= ../shared/data
N_WORKERS ?= 2

.PHONY: setup demo test test-nbs test-py export clean-nbs reports bench
.DEFAULT_GOAL := demo

setup: $(VENV)/.installed

$(VENV)/.installed: setup.py settings.ini
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

# Main job: segment the synthetic default and write segments, profiles, run.json and report.html.
demo: setup
	$(BIN)/custseg demo --out $(DEMO_OUT)

# All tests: the notebooks (nbdev) then pytest; pytest's summary line comes last.
test: setup
	$(BIN)/nbdev_test --n_workers $(N_WORKERS)
	$(BIN)/python -m pytest tests

export: setup
	$(BIN)/nbdev_export

clean-nbs: setup
	$(BIN)/nbdev_clean

# Regenerate the committed reports (synthetic and both Online Retail years).
reports: setup
	$(BIN)/custseg demo --out runs/demo-report
	cp runs/demo-report/report.html reports/demo.html
	$(BIN)/custseg segment --transactions $(DATA)/online_retail_ii_2009_2010/online_retail_ii_2009_2010.parquet \
	    $(DATA)/online_retail/online_retail.parquet --out runs/online_retail
	cp runs/online_retail/report.html reports/online_retail.html

bench: setup
	$(BIN)/python benchmarks/bench_embed.py
	$(BIN)/python benchmarks/bench_segment.py
