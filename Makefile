# The two commands a newcomer needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test typecheck unit integration e2e cassettes bench demo clean image-test

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/anibridge serve

demo: $(STAMP_RUN)
	$(BIN)/anibridge demo

typecheck: $(STAMP_DEV)
	$(BIN)/mypy --strict src

test: $(STAMP_DEV)
	$(BIN)/mypy --strict src
	$(BIN)/pytest

unit: $(STAMP_DEV)
	$(BIN)/pytest tests/unit

cassettes: $(STAMP_DEV)
	$(BIN)/python -m anibridge_fakes.record_cassettes

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache

# Builds the container image and runs it end to end with podman (see scripts/image-test.sh); CI calls it.
image-test:
	scripts/image-test.sh
