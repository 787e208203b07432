# The two commands a newcomer needs: `make run` and `make test`. The others run one tier or tool each.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
# pip prints what it fetches and builds, so the first `make run` shows its progress instead of a silent minute.
PIP_FLAGS ?= --progress-bar off --disable-pip-version-check

.PHONY: run demo test lint typecheck unit integration e2e browser flexget test-random fuzz bench cassettes clean image-test

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	@echo "installing anibridge into $(VENV) (first run: about a minute)"
	$(BIN)/pip install $(PIP_FLAGS) -e . | grep -E '^(Collecting|Successfully|ERROR)' || true
	@$(BIN)/python -c 'import anibridge' && touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	@echo "installing anibridge with its test tools into $(VENV)"
	$(BIN)/pip install $(PIP_FLAGS) -e '.[dev]' | grep -E '^(Collecting|Successfully|ERROR)' || true
	@$(BIN)/python -c 'import anibridge, pytest, ruff, importlinter, hypothesis' && touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/anibridge serve

demo: $(STAMP_RUN)
	$(BIN)/anibridge demo

# ruff (lint + import order) and the import-linter layer contracts.
lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP_DEV)
	$(BIN)/mypy --strict src

# Everything: lint, layer rules, types, then unit, integration, cassette and end-to-end tests.
test: lint typecheck
	$(BIN)/pytest

# Pure tests of the domain and small adapters: no network, no database server, no real time (about 2 s).
unit: $(STAMP_DEV)
	$(BIN)/pytest tests/unit -m "not slow"

# Real local things: SQLite files, PostgreSQL (ANIBRIDGE_TEST_PG_URL), loopback fakes, yt-dlp, ffmpeg.
integration: $(STAMP_DEV)
	$(BIN)/pytest tests/integration tests/cassettes

# The running server driven by real clients (qbittorrent-api, a Torznab consumer, ffmpeg).
e2e: $(STAMP_DEV)
	$(BIN)/pytest tests/e2e

# The unit and integration tiers once in a shuffled order: no test may depend on another having run first.
test-random: $(STAMP_DEV)
	$(BIN)/pytest tests/unit tests/integration -p random_order --random-order

# The property-based fuzz suite with many more examples than `make test` gives it (random seed each run).
fuzz: $(STAMP_DEV)
	ANIBRIDGE_FUZZ_EXAMPLES=$${ANIBRIDGE_FUZZ_EXAMPLES:-1000} ANIBRIDGE_FUZZ_RANDOM=1 $(BIN)/pytest tests/fuzz

# Each benchmark prints its figures against a baseline or limit measured in the same run.
bench: $(STAMP_DEV)
	@for script in $(filter-out bench/bare_relay.py,$(wildcard bench/*.py)); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# FlexGet (torznab search + qbittorrent output) against the running server, from its own virtualenv: FlexGet pins
# its own versions of libraries the project also uses, so it cannot share .venv.
FLEXGET_VENV := .venv-flexget
FLEXGET_VERSION := 3.22.8
$(FLEXGET_VENV)/.installed:
	$(PY) -m venv $(FLEXGET_VENV)
	$(FLEXGET_VENV)/bin/pip install -q 'flexget==$(FLEXGET_VERSION)'
	touch $@

flexget: $(STAMP_DEV) $(FLEXGET_VENV)/.installed
	ANIBRIDGE_FLEXGET=$(CURDIR)/$(FLEXGET_VENV)/bin/flexget $(BIN)/pytest tests/flexget -m flexget

cassettes: $(STAMP_DEV)
	$(BIN)/python -m anibridge_fakes.record_cassettes

clean:
	rm -rf $(VENV) $(FLEXGET_VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis

# The dashboard in a real headless browser (Debian chromium + chromium-driver, PyPI selenium); screenshots and
# the axe-core report land in test-artefacts/browser/ (not committed).
browser: $(STAMP_DEV)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		echo "installing chromium and chromium-driver"; sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium chromium-driver; }
	$(BIN)/python -c 'import selenium' 2>/dev/null || $(BIN)/pip install $(PIP_FLAGS) -e '.[dev,browser]'
	$(BIN)/pytest tests/browser

# Builds the container image and runs it end to end with podman (see scripts/image-test.sh); CI calls it.
image-test:
	scripts/image-test.sh
