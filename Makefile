# Set-up and entry points; the README's two commands are `make run` and `make test`.
# Python 3.12 is preferred (pyenv has it on these machines); any Python >= 3.11 works.
PYTHON ?= $(shell for p in python3.12 $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.12*/bin/python3 2>/dev/null) python3; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && echo $$p && break; done)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install kb run test lint

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(STAMP)

kb: $(STAMP)
	$(BIN)/claims kb build

run: kb
	$(BIN)/claims run corpus/rls-seeds

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests

test: lint kb
	$(BIN)/pytest
