# Two commands do all set-up on a fresh machine with only Python 3.11+:
#   make demo   installs tanshi from the lock file, then runs the demo jurisdiction
#   make test   installs tanshi and its test tools from the lock file, then runs every test
PYTHON ?= python3
UV_VERSION = 0.13.9
TOOLS = .tools
UV = $(TOOLS)/bin/uv
VENV = .venv
export UV_PYTHON_DOWNLOADS = never
export UV_PROJECT_ENVIRONMENT = $(VENV)

.PHONY: demo test install install-dev lint lock clean bench

demo: install
	$(VENV)/bin/tanshi demo

test: install-dev
	@echo "PostgreSQL leg: TANSHI_REQUIRE_POSTGRES=$${TANSHI_REQUIRE_POSTGRES:-1} (set 0 to run without PostgreSQL)"
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	TANSHI_REQUIRE_POSTGRES=$${TANSHI_REQUIRE_POSTGRES:-1} $(VENV)/bin/pytest

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON)

install-dev: $(UV)
	$(UV) sync --frozen --python $(PYTHON)

lint: install-dev
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

lock: $(UV)
	$(UV) lock --python $(PYTHON)

# matching-engine (a benchmark peer) needs Python 3.12: with PYTHON312 found, the matching
# benchmark runs again under it in .venv-py312 so all three engines share one interpreter.
PYTHON312 ?= python3.12

bench: install-dev
	$(VENV)/bin/python bench/registry_sqlite.py
	$(VENV)/bin/python bench/registry.py
	$(VENV)/bin/python bench/mrv.py
	$(VENV)/bin/python bench/matching.py
	$(VENV)/bin/python bench/api.py
	$(VENV)/bin/python bench/surveillance.py
	@if $(PYTHON312) --version >/dev/null 2>&1; then \
		UV_PROJECT_ENVIRONMENT=.venv-py312 $(UV) sync --frozen --quiet --python $(PYTHON312) && \
		.venv-py312/bin/python bench/matching.py; \
	else echo "bench/matching.py: no $(PYTHON312), so matching-engine (Python >= 3.12 only) is skipped"; fi

clean:
	rm -rf $(VENV) .venv-py312 $(TOOLS) tanshi-demo tanshi-market tanshi.sqlite
