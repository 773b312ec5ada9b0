# Lernstatt: `make run` serves the demo city, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# fonts-droid-fallback, fonts-nanum: Chinese, Japanese and Korean names on the loan
# agreement; gettext: the translation check (makemessages, msgattrib);
# libreoffice-calc-nogui: the exported spreadsheets printed to PDF as LibreOffice prints them;
# poppler-utils: pdftoppm rasterises the asset labels for the tests that decode their codes.
SYSTEM_PACKAGES := slapd ldap-utils chromium fonts-droid-fallback fonts-nanum gettext libreoffice-calc-nogui poppler-utils

.PHONY: run test test-fast lint format demo system-deps venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Lernstatt needs Python 3.11 or newer.")'
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else echo "Python's venv module is missing. Run:  sudo apt-get install -y python3-venv"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing; \
	  else \
	    echo "The tests need$$missing. Run:  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

# The demo's directory needs slapd: installed when run as root, else the demo runs without.
run: venv
	@mkdir -p var
	@if [ "$$(id -u)" = 0 ] && ! dpkg-query -W -f='$${Status}' slapd 2>/dev/null | grep -q 'install ok installed'; then \
	  echo "Installing slapd ldap-utils for the demo's directory"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils; \
	fi
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --if-empty
	LERNSTATT_DEMO=1 $(BIN)/python manage.py run_demo 127.0.0.1:8000

test: venv system-deps
	@mkdir -p var
	$(BIN)/pytest

test-fast: venv
	$(BIN)/pytest -m 'not integration'

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles
