# Quick start: `make demo` (set up .venv, validate the shipped sample, write the report)
#              `make test` (set up .venv, lint, type-check, run the whole test suite)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint browser java bench bench-split bench-pandas clean fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet -e '.[dev,gx,spark]'
	touch $(STAMP)

demo: $(STAMP)
	@status=0; $(BIN)/synthgate validate examples/instructions_llm.jsonl --suite instructions \
	  --reference examples/instructions_human.jsonl --quiet \
	  --json reports/demo.json --report reports/demo.html || status=$$?; \
	if [ $$status -gt 1 ]; then exit $$status; fi; \
	echo "demo: exit code $$status (1 = failed: this sample repeats five templates, as it should)"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench fuzz
	$(BIN)/ruff format --check src tests bench fuzz
	$(BIN)/mypy

test: lint browser java
	$(BIN)/pytest -q

# The HTML report's test renders it in headless Chromium (Debian's package; CI runs as root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "make: chromium is missing (apt-get install chromium as root); its test will skip"; fi; }

# The Spark engine's tests need Java 17 (Debian's package; CI runs as root); else they skip.
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else echo "make: java is missing (apt-get install openjdk-17-jre-headless as root); the Spark tests will skip"; fi; }

# Coverage-guided fuzzing of the loaders and the suite parser (not part of `make test`).
# FUZZ_SECONDS=600 make fuzz; findings land in .fuzz/ (crash-*, timeout-*, oom-*).
FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	@$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/python -m pip install --quiet atheris
	@mkdir -p .fuzz/corpus
	$(BIN)/python fuzz/fuzz_inputs.py -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	  -rss_limit_mb=3072 -max_len=65536 -dict=fuzz/tokens.dict -artifact_prefix=.fuzz/ \
	  .fuzz/corpus fuzz/seeds

# Issue 14: every built-in suite at 10k, 100k, 1M rows against its baselines, --workers 2, Spark,
# start-up; writes its section of BENCHMARKS.md. In pieces (data is cached in bench/data/):
# make bench BENCH_ARGS='--suites free_text,instructions --sizes 10000000'
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/suites.py $(BENCH_ARGS)

# The clean/quarantine split against a JSON Lines floor (BENCHMARKS.md "Clean/quarantine split")
bench-split: $(STAMP)
	$(BIN)/python bench/split.py

# The issue-3 suite (bench/suite.yml) against pandas (BENCHMARKS.md, first table)
bench-pandas: $(STAMP)
	$(BIN)/python bench/run.py

# Every built-in suite over every human and LLM set in ../shared/data: writes docs/calibration.md
calibration: $(STAMP)
	$(BIN)/python bench/calibration.py

clean:
	rm -rf $(VENV) reports build dist *.egg-info src/*.egg-info
