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

.PHONY: setup demo test export clean-nbs nb-outputs docs reports finetune-report finetune-report-synthetic cluster-finetune-report bench
.DEFAULT_GOAL := demo

setup: $(VENV)/.installed

$(VENV)/.installed: setup.py settings.ini
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[dev]"
	# a CJK font for Chinese plot labels; skipped (custseg then warns) where apt is unavailable or not root
	-command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && (dpkg -s fonts-noto-cjk >/dev/null 2>&1 || \
	    (apt-get update -q >/dev/null && \
	     DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fonts-noto-cjk >/dev/null)) || true
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

# Run the notebooks in place so they are committed with their outputs and a kernelspec, then nbdev_clean them
# (outputs kept). NBS="nbs/00_privacy.ipynb nbs/06_profile.ipynb" for some only.
NBS ?=
nb-outputs: setup
	$(BIN)/python tools/execute_notebooks.py $(NBS)

# The docs site, built offline into _docs/ (open _docs/index.html): the notebooks with their stored outputs, in
# reading order, and an API page per module. Nothing is executed and nothing is loaded from another server.
docs: setup
	$(BIN)/python tools/build_docs.py

# Regenerate the committed reports (synthetic English and Chinese, both Online Retail years).
reports: setup
	$(BIN)/custseg demo --out runs/demo-report
	cp runs/demo-report/report.html reports/demo.html
	$(BIN)/custseg demo --language zh --out runs/demo-zh-report
	cp runs/demo-zh-report/report.html reports/demo_zh.html
	$(BIN)/custseg segment --transactions $(DATA)/online_retail_ii_2009_2010/online_retail_ii_2009_2010.parquet \
	    $(DATA)/online_retail/online_retail.parquet --out runs/online_retail
	cp runs/online_retail/report.html reports/online_retail.html

# The honest evaluation of fine-tuning on both Online Retail years (baselines and the linear probe vs LP-FT, the
# default, LoRA and contrastive fine-tuning; a value-tier learning curve). Bounded for a loaded 2-core CPU (~25 min):
# on a GPU raise FT_PARAMS, e.g. FT_PARAMS="-p max_train 0 -p epochs 0 -p max_length 256 -p curve_sizes 200,800 -p run_segments True".
FT_PARAMS ?= -p max_length 48 -p epochs 2 -p contrastive_epochs 1 -p pairs_per_example 1 -p max_train 400 -p curve_sizes 200,800 \
	-p batch_size 16 -p run_segments False
# nbdev_clean strips cell tags, so the parameters tag papermill needs is added to a copy of the notebook.
finetune-report: setup
	mkdir -p runs/finetune_online_retail
	$(BIN)/python -c "import nbformat; nb = nbformat.read('nbs/20_finetune_report.ipynb', as_version=4); \
	    nb.cells[[c.source.startswith('# Small defaults') for c in nb.cells].index(True)].metadata['tags'] = ['parameters']; \
	    nbformat.write(nb, 'runs/finetune_online_retail/template.ipynb')"
	$(BIN)/papermill -k python3 --language python runs/finetune_online_retail/template.ipynb runs/finetune_online_retail/report.ipynb \
	    -p data online_retail -p model "" -p methods lpft,lora,contrastive -p targets value_tier,churn \
	    -p out_dir runs/finetune_online_retail $(FT_PARAMS)
	cp runs/finetune_online_retail/finetune_report.json reports/finetune_online_retail.json
	$(BIN)/python -c "import json, nbformat; from custseg.report import offline_html; \
	    nb = nbformat.read('runs/finetune_online_retail/report.ipynb', as_version=4); \
	    title = json.load(open('runs/finetune_online_retail/finetune_report.json'))['title']; \
	    nb.cells[0].source = '# ' + title + chr(10) + nb.cells[0].source.split(chr(10), 1)[1]; \
	    open('reports/finetune_online_retail.html', 'w', encoding='utf-8').write(offline_html(nb, title=title))"

# The same notebook on synthetic customers with planted personas and the real model
# (~5 min on a 2-core CPU). The unsupervised objectives have their own report: make cluster-finetune-report.
finetune-report-synthetic: setup
	mkdir -p runs/finetune_synthetic
	$(BIN)/python -c "import nbformat; nb = nbformat.read('nbs/20_finetune_report.ipynb', as_version=4); \
	    nb.cells[[c.source.startswith('# Small defaults') for c in nb.cells].index(True)].metadata['tags'] = ['parameters']; \
	    nbformat.write(nb, 'runs/finetune_synthetic/template.ipynb')"
	$(BIN)/papermill -k python3 --language python runs/finetune_synthetic/template.ipynb runs/finetune_synthetic/report.ipynb \
	    -p data synthetic -p n_customers 600 -p model "" -p targets churn -p methods lpft,lora -p max_length 128 \
	    -p epochs 2 -p curve_sizes "" -p out_dir runs/finetune_synthetic
	$(BIN)/python -c "import json, nbformat; from custseg.report import offline_html; \
	    nb = nbformat.read('runs/finetune_synthetic/report.ipynb', as_version=4); \
	    title = json.load(open('runs/finetune_synthetic/finetune_report.json'))['title']; \
	    nb.cells[0].source = '# ' + title + chr(10) + nb.cells[0].source.split(chr(10), 1)[1]; \
	    open('reports/finetune_synthetic.html', 'w', encoding='utf-8').write(offline_html(nb, title=title))"

# Fine-tuning for clustering without labels (frozen vs DEC vs SCCL): ARI/NMI against planted personas, NMI against
# the next-90-day value tier on both Online Retail years. Bounded for a 2-core CPU; on a GPU raise CFT_PARAMS.
CFT_PARAMS ?= -p syn_customers 1500 -p train_docs 800 -p eval_docs 500 -p epochs 1 -p max_length 64
cluster-finetune-report: setup
	mkdir -p runs/cluster_finetune
	$(BIN)/papermill -k python3 --language python nbs/21_cluster_finetune_report.ipynb runs/cluster_finetune/report.ipynb \
	    -p model "" -p online_retail True -p out_dir runs/cluster_finetune $(CFT_PARAMS)
	$(BIN)/python -c "import nbformat; from custseg.report import offline_html; \
	    nb = nbformat.read('runs/cluster_finetune/report.ipynb', as_version=4); \
	    open('reports/cluster_finetune.html', 'w', encoding='utf-8').write(offline_html(nb))"

bench: setup
	$(BIN)/python benchmarks/bench_embed.py
	$(BIN)/python benchmarks/bench_segment.py
	$(BIN)/python benchmarks/bench_cluster.py
	$(BIN)/python benchmarks/bench_finetune.py --threads 1
	$(BIN)/python benchmarks/bench_distributed.py --customers 25000 100000 --sample-size 25000 --results reports/bench_distributed.jsonl
