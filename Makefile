# ml-roadmap: every target sets up .venv first, so on a fresh clone one command is enough.
#   make week07            run week 7's projects in full      make week07 FAST=1  smoke size
#   make test              the test suite (fast runs)          make verify         every week, full, bars enforced
#   make test-unit         the quick tier: no whole-week runs, browser, Docker, server/process or database-server tests
#   make test TEST_WORKERS=0   the suite in one process (default: 2 pytest-xdist workers)
#   make lint | bench | results | serve | docker | clean
#   make notebooks         every week's notebook as .ipynb   make notebook   build and open them
#   make test-notebooks    execute every notebook (left out of make test and make test-unit)
#   make setup TF=1        also install the optional TensorFlow extra (week 2's tensors project)
#   make portfolio         the portfolio site (reports/portfolio/site)   make serve-hub   every app
#   make serve-NAME        one app or service: hub loan mask sentiment forecast chat chat-ui
#                          gallery story (README: Capstones)

PY      := .venv/bin/python
STAMP   := .venv/.installed-stamp
TF_STAMP := .venv/.installed-tf-stamp
WEEK_PKGS    := $(sort $(patsubst %/__main__.py,%,$(wildcard week[0-9][0-9]_*/__main__.py)))
WEEK_TARGETS := $(foreach p,$(WEEK_PKGS),$(firstword $(subst _, ,$(p))))
RUN_FLAGS    := $(if $(FAST),--fast) $(ARGS)
# make test's pytest-xdist workers, one per core of a 2-core machine; each test file stays on one
# worker (its module fixtures are built once); 0 runs every test in one process.
TEST_WORKERS ?= 2
TEST_FLAGS   := -n $(TEST_WORKERS) --dist loadfile
# The suite starts about a hundred Python processes (workers, servers, torchrun ranks, kernels),
# each importing the project: with PYTHONDONTWRITEBYTECODE set (some shells and containers set
# it) every one recompiles every module and pytest re-rewrites every test file, 14 s per worker
# at collection alone. The tests keep their bytecode in the git-ignored __pycache__ folders.
PYTEST       := env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest

# SERVE_NAME (the package that serves app NAME) and SERVE_TARGETS, from shared/apps.py's table.
include make/serve.mk

.PHONY: setup test test-unit test-notebooks notebooks notebook lint verify all bench results serve docker clean portfolio $(SERVE_TARGETS) $(WEEK_TARGETS)

setup: $(STAMP) $(if $(TF),$(TF_STAMP))

# An existing venv is updated in place (pip installs only what changed); a broken one is rebuilt.
$(STAMP): pyproject.toml
	@$(PY) -c "import sys" 2>/dev/null || { rm -rf .venv && python3 -m venv .venv; }
	$(PY) -m pip install --disable-pip-version-check --quiet --upgrade pip
	$(PY) -m pip install --disable-pip-version-check --quiet -e ".[dev]"
	touch $(STAMP)

# The optional extras on top: TensorFlow (week 2 runs every tensor operation in it too).
$(TF_STAMP): $(STAMP)
	$(PY) -m pip install --disable-pip-version-check --quiet -e ".[dev,tf]"
	touch $(TF_STAMP)

$(WEEK_TARGETS): $(STAMP)
	$(PY) -m $(filter $@_%,$(WEEK_PKGS)) $(RUN_FLAGS)

# What a later week's full run needs from an earlier one (week 23 draws with week 20's diffusion
# model): rules generated from shared/upstream.py's table (python -m shared.upstream make-rules).
include make/upstream.mk

all: $(STAMP)
	@for p in $(WEEK_PKGS); do $(PY) -m $$p $(RUN_FLAGS) || exit 1; done
	$(PY) -m shared.results

verify: $(STAMP)
	@failed=""; for p in $(WEEK_PKGS); do $(PY) -m $$p $(ARGS) || failed="$$failed $$p"; done; \
	$(PY) -m shared.results; \
	if [ -n "$$failed" ]; then echo "verify: FAIL in$$failed"; exit 1; fi; echo "verify: every bar PASS"

test: $(STAMP)
	$(PYTEST) -q $(TEST_FLAGS) -m "not notebook" $(ARGS)

test-unit: $(STAMP)
	$(PYTEST) -q $(TEST_FLAGS) -m "not e2e and not browser and not docker and not service and not postgres and not mysql and not notebook" $(ARGS)

# Every notebook executed on a Jupyter kernel, one test each, spread over the workers one by one
# (all of them live in one test file, which --dist loadfile would keep on one worker).
test-notebooks: $(STAMP)
	$(PYTEST) -q -n $(TEST_WORKERS) -m notebook tests/notebooks $(ARGS)

# The notebooks' sources are jupytext percent-format .py files (reviewable diffs); this writes
# each one's .ipynb beside it (git-ignored).
notebooks: $(STAMP)
	$(PY) -m jupytext --to ipynb notebooks/week*.py

# JupyterLab is not a pinned dependency: open the notebooks with it when it is installed.
notebook: notebooks
	@if $(PY) -c "import jupyterlab" 2>/dev/null; then .venv/bin/jupyter lab notebooks/; \
	else echo "JupyterLab is not installed: run .venv/bin/pip install jupyterlab, then make notebook;"; \
	echo "or open notebooks/weekNN.ipynb in VS Code (Jupyter extension) with the .venv kernel."; fi

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	.venv/bin/hadolint $$(find . -name Dockerfile -not -path './.venv/*' -not -path './reports/*' | sort)
	.venv/bin/actionlint

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done
	@echo "results in reports/bench.json"

results: $(STAMP)
	$(PY) -m shared.results

serve: $(STAMP)
	$(PY) -m week08_fastapi serve $(ARGS)

# Every week's README, latest report and figures as one static site (MkDocs, strict links).
portfolio: $(STAMP)
	$(PY) -m week24_deploy portfolio $(ARGS)

# serve-hub is a Streamlit page linking every app of the course (http://127.0.0.1:8500).
$(SERVE_TARGETS): serve-%: $(STAMP)
	$(PY) -m $(SERVE_$*) serve $* $(ARGS)

# As root on Debian: start dockerd, build every service image and a PostgreSQL image for
# tests/week08/test_week08_image.py and tests/week24/test_week24_images.py (.ci/docker.sh says why
# where Docker cannot run).
docker: $(STAMP)
	bash .ci/docker.sh

clean:
	rm -rf reports .pytest_cache .ruff_cache
