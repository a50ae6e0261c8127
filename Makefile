# Two commands do all the set-up on a fresh machine:
#   make demo   create a virtual environment, install, and run the demo
#   make test   create a virtual environment, install with test extras, run the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,postgres,s3]"

demo: install
	$(BIN)/python -m pipetasks.demo demo-repo --clobber

test: install
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) demo-repo .pytest_cache
