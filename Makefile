# Tanji — the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint clean constraints system-packages

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Debian packages PDF labels and their tests need: a CJK font to embed (fonts-noto-cjk) and poppler's
# pdffonts; installed when missing and apt-get can run, else named.
system-packages:
	@missing=""; \
	fc-list :lang=zh family 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	command -v pdffonts >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q $$missing || (apt-get update -q && apt-get install -y -q $$missing); \
	  else echo "missing Debian packages:$$missing (apt-get install -y$$missing)" >&2; fi; \
	fi

demo: $(STAMP) system-packages
	$(BIN)/tanji demo --out demo-out

SOURCES := ledger lca traceability park certificates api tests bench

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy
	$(BIN)/lint-imports

# Re-pin after changing dependencies: a fresh venv resolved from pyproject, frozen.
constraints:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q -e '.[dev]'
	.venv-lock/bin/pip freeze --exclude-editable | grep -v '^tanji' > constraints.txt
	rm -rf .venv-lock

test: $(STAMP) system-packages lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo-out
