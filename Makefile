# Quick start: `make demo` (set up .venv, validate the shipped sample, write the report)
#              `make test` (set up .venv, lint, type-check, run the whole test suite)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@status=0; $(BIN)/synthgate validate examples/instructions_llm.jsonl --suite instructions \
	  --reference examples/instructions_human.jsonl --quiet \
	  --json reports/demo.json --report reports/demo.html || status=$$?; \
	if [ $$status -gt 1 ]; then exit $$status; fi; \
	echo "demo: exit code $$status (1 = failed: this sample repeats five templates, as it should)"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint browser
	$(BIN)/pytest -q

# The HTML report's test renders it in headless Chromium (Debian's package; CI runs as root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "make: chromium is missing (apt-get install chromium as root); its test will skip"; fi; }

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) reports build dist *.egg-info src/*.egg-info
