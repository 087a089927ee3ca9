# Drive: `make run` starts everything on the embedded default; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

# What the suite needs from the system, as `command:Debian package`: Playwright drives
# Debian's Chromium, the deployment test puts nginx in front of gunicorn, and the Celery
# tests run on a Redis server too; npm installs axe-core, which the accessibility tests
# inject into pages; the text-in-photos tests render Chinese with WenQuanYi Zen Hei. (rclone,
# for the S3 tests, comes from a wheel.) The LDAP sign-in tests start their own slapd.
TEST_SYSTEM_PACKAGES := chromium:chromium nginx:nginx redis-server:redis-server npm:npm :fonts-wqy-zenhei slapd:slapd ldapsearch:ldap-utils
# What Drive itself needs: tesseract reads the text in photos, in English and Simplified
# Chinese (language packs have no command: an empty command means "ask dpkg").
RUN_SYSTEM_PACKAGES := tesseract:tesseract-ocr :tesseract-ocr-eng :tesseract-ocr-chi-sim
# `python -m venv` needs ensurepip, which Debian ships apart from Python.
VENV_PACKAGE := $(notdir $(PYTHON))-venv

# How apt-get can run here without a question: as root, or through password-less sudo;
# empty when it cannot (then make stops at once with the one command to run).
APT_AS = $(shell command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] && echo env \
	|| { command -v sudo >/dev/null && sudo -n true 2>/dev/null && echo sudo -n env; }; })
# `$(call apt_install,PACKAGES)`: a recipe line installing PACKAGES, or a stop naming the command.
apt_install = $(if $(APT_AS),@echo "Installing $(1) with apt-get..." && $(APT_AS) DEBIAN_FRONTEND=noninteractive \
	apt-get update -qq && $(APT_AS) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null,$\
	$(error Drive needs system packages: $(if $(shell command -v apt-get),run `sudo apt-get install -y $(strip $(1))`,$\
	install `$(strip $(1))` (Debian's names) with the system's package manager), then `make $(MAKECMDGOALS)` again))
# `$(call missing_packages,LIST)`: the Debian packages of LIST whose command is missing
# (nginx lives in /usr/sbin, outside a user's PATH), or, with no command, not installed.
missing_packages = $(shell for need in $(1); do cmd="$${need%%:*}"; pkg="$${need#*:}"; \
	if [ -n "$$cmd" ]; then command -v "$$cmd" >/dev/null || [ -x "/usr/sbin/$$cmd" ] || echo "$$pkg"; \
	else dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q 'ok installed' || echo "$$pkg"; fi; done)

.PHONY: run test lint install install-dev system-packages run-packages clean

$(VENV)/.installed: requirements.txt
	$(if $(shell test -x $(PY) || $(PYTHON) -c 'import ensurepip' 2>/dev/null || echo no),$(call apt_install,$(VENV_PACKAGE)))
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core at the version pinned in tests/e2e/package-lock.json (npm ci: exactly that).
AXE := tests/e2e/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

system-packages:
	$(if $(call missing_packages,$(TEST_SYSTEM_PACKAGES) $(RUN_SYSTEM_PACKAGES)),$\
	$(call apt_install,$(call missing_packages,$(TEST_SYSTEM_PACKAGES) $(RUN_SYSTEM_PACKAGES))),@true)

run-packages:
	$(if $(call missing_packages,$(RUN_SYSTEM_PACKAGES)),$(call apt_install,$(call missing_packages,$(RUN_SYSTEM_PACKAGES))),@true)

run: run-packages install
	PY=$(PY) bin/run-dev

# Coverage of the project's packages, with the floor set in pyproject.toml.
test: system-packages install-dev $(AXE)
	@mkdir -p var  # coverage's data file lives there
	$(PY) -m pytest --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

# What CI checks before the tests (configured in pyproject.toml; pre-commit runs the same).
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf var/test var/.coverage .pytest_cache .mypy_cache .ruff_cache tests/e2e/node_modules
