# PRGuard: `make demo` runs the main job on embedded defaults; `make test` runs the whole suite.
# Both create the virtual environment they need (.venv) and install into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch is pinned to the CPU build (2.13.0); installing it first keeps pip from resolving a CUDA build.
TORCH := torch==2.13.0

.PHONY: demo test lint install install-dev fixtures clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e '.[service,spark,training]'
	touch $@

$(VENV)/.installed-dev: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/prguard demo

lint: install-dev
	$(BIN)/flake8

test: install-dev
	$(BIN)/flake8
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var .cache
