# complaintflow: `make run` starts the product, `make test` runs the whole suite.
# Both do every set-up step themselves on a fresh clone (virtualenv, packages, database).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CF     := $(VENV)/bin/complaintflow
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run run-pg test lint screenshots setup update-deps translations vendor i18n-update db bench postgres-server chromium pdf-tools clean

run: db pdf-tools
	$(CF) demo-data
	$(CF) serve --host $(HOST) --port $(PORT)

# Scaled out: PostgreSQL kept under var/pg, 3 gunicorn web processes, 2 workers (WEB_PROCESSES, WORKERS).
run-pg: setup postgres-server
	HOST=$(HOST) PORT=$(PORT) $(PY) -m tools.run_pg

test: setup postgres-server chromium pdf-tools lint
	$(PY) -m pytest

# Lint and types (rules in pyproject.toml); make test fails on any finding.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

setup: $(STAMP) translations vendor

# Front-end packages from npm, served from web/static/vendor (not committed; no CDN): htmx for the
# inbox, bpmn-js (viewer and modeler, CSS with the diagram font embedded) for the console, Apache ECharts for the
# dashboard's and the monthly report's charts. The console's modeler (web/frontend/modeler: bpmn-js with its
# properties panel) is bundled by esbuild into modeler.bundle.js and .css (with the panel's stylesheet).
VENDOR := web/static/vendor/.installed
BPMN_JS := node_modules/bpmn-js/dist
vendor: $(VENDOR)

$(VENDOR): package.json package-lock.json $(wildcard web/frontend/modeler/*.js web/frontend/modeler/*/*.js web/frontend/modeler/*.css)
	npm ci --silent --no-audit --no-fund
	mkdir -p web/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(BPMN_JS)/bpmn-navigated-viewer.production.min.js \
		$(BPMN_JS)/bpmn-modeler.production.min.js $(BPMN_JS)/assets/diagram-js.css $(BPMN_JS)/assets/bpmn-js.css \
		$(BPMN_JS)/assets/bpmn-font/css/bpmn-embedded.css node_modules/echarts/dist/echarts.min.js web/static/vendor/
	node_modules/.bin/esbuild web/frontend/modeler/main.js --bundle --format=iife --minify --target=es2020 \
		--log-level=warning --outfile=web/static/vendor/modeler.bundle.js
	touch $@

# Interface languages: catalogues in web/translations, compiled here (the .mo files are not committed).
MO := $(patsubst %.po,%.mo,$(wildcard web/translations/*/LC_MESSAGES/messages.po))
translations: $(MO)

web/translations/%/LC_MESSAGES/messages.mo: web/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@

# After changing texts in web/: collect them and merge into every catalogue, then translate the .po files.
i18n-update: setup
	$(VENV)/bin/pybabel extract -F web/babel.cfg -o web/translations/messages.pot web
	$(VENV)/bin/pybabel update -i web/translations/messages.pot -d web/translations

# Exactly the versions in requirements.lock (every package, test tools included), then the project.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "complaintflow needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Newest versions the bounds in pyproject.toml allow, written to requirements.lock (then run make test).
update-deps: $(STAMP)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --upgrade --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --no-emit-index-url -o requirements.lock

db: setup
	$(CF) db upgrade
	$(CF) deploy --keep-console

# The suite starts its own throwaway PostgreSQL cluster; it needs Debian's server binaries.
postgres-server:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing PostgreSQL server binaries (Debian package postgresql)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	fi

# Browser tests drive Debian's Chromium through Playwright; screenshots need a font with Chinese glyphs.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/wqy ]; then \
		echo "installing Debian's chromium and a Chinese font for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			chromium fonts-wqy-microhei >/dev/null; \
	fi

# Archived case files are PDFs made by WeasyPrint (Pango) with a Chinese font embedded; the tests read
# them back with poppler's pdftoppm, pdftotext and pdffonts.
pdf-tools:
	@if ! command -v pdftoppm >/dev/null || [ ! -d /usr/share/fonts/truetype/wqy ] || \
		! ldconfig -p | grep -q libpangoft2-1.0; then \
		echo "installing poppler-utils, Pango and a Chinese font for the archived case files"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			poppler-utils fonts-wqy-microhei libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	fi

# The README's screenshots: the browser tests with their screenshots written to docs/screenshots.
screenshots: setup chromium
	COMPLAINTFLOW_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(PY) -m pytest tests/browser -q

bench: setup postgres-server
	$(PY) -m bench.engine
	$(PY) -m bench.timers
	$(PY) -m bench.inbox
	$(PY) -m bench.http

clean:
	rm -rf $(VENV) var .pytest_cache node_modules web/static/vendor
