# Everything installs from the project's own files: a virtualenv with pinned Python packages and a
# local CDK CLI from npm. Targets re-install only when their pin files change.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NODE_STAMP := node_modules/.installed
PY_STAMP := $(VENV)/.installed
WHEELS_STAMP := .cache/wheels/.stamp

# The CDK CLI runs offline: no telemetry, no version check, its state inside the project.
export CDK_HOME := $(CURDIR)/.cdk
export CDK_DISABLE_CLI_TELEMETRY := 1
export CDK_DISABLE_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: install test pytest lint format docs demo synth bootstrap deploy diff destroy bench audit clean cost

install: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): requirements-dev.txt lambda_src/requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## test: install what is needed, lint, then run every test (unit, integration, infra)
test: install lint pytest

pytest: install $(WHEELS_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## docs: regenerate every generated README block and cdk.schema.json from the code
DOC_SCRIPTS := cost_table dashboard_doc doctor_doc failure_table notifier_cost_table notify_examples promql_doc runbook_doc
docs: $(PY_STAMP)
	$(BIN)/python scripts/config_docs.py
	@for script in $(DOC_SCRIPTS); do $(BIN)/python scripts/$$script.py --write || exit 1; done

format: $(PY_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## demo: the poller end to end on local stand-ins (simulator + moto_server), no AWS needed
demo: $(PY_STAMP)
	$(BIN)/python scripts/demo.py

## bench: the performance benchmark (prints a table; not a test)
bench: $(PY_STAMP)
	$(BIN)/python scripts/bench.py

## cost: the monthly AWS cost of the cdk.json in force: by option for 10, 100 and 1,000 queues, or every
## line item for one count (make cost QUEUES=250); COST_ARGS="--metrics essential --skip-idle ..."
QUEUES ?= 10,100,1000
cost: $(PY_STAMP)
	$(BIN)/symbee-queue-stats cost --config cdk.json --queues $(QUEUES) $(COST_ARGS)

## synth / bootstrap / diff / deploy / destroy: the CDK CLI pinned in package.json on the stacks of
## cdk.json (one per environment), in the account and region of the AWS credentials in the shell.
## CDK_ARGS adds CLI options: "-c key=value" overrides, "--force" (destroy without asking), ...
## Each synthesizes the app first (bootstrap too: it reads the stacks' environments from it).
synth: install $(WHEELS_STAMP)
	cdk synth --no-notices $(CDK_ARGS)

bootstrap: install $(WHEELS_STAMP)
	cdk bootstrap --no-notices $(CDK_ARGS)

diff: install $(WHEELS_STAMP)
	cdk diff --all --no-notices $(CDK_ARGS)

deploy: install $(WHEELS_STAMP)
	cdk deploy --all --no-notices $(CDK_ARGS)

destroy: install $(WHEELS_STAMP)
	cdk destroy --all --no-notices $(CDK_ARGS)

# The Lambda's wheels for arm64/Python 3.13 (flags in infra/wheels.py), downloaded once so synth
# and the infra tests work offline afterwards.
$(WHEELS_STAMP): lambda_src/requirements.txt | $(PY_STAMP)
	$(BIN)/python -m infra.wheels
	touch $@

## audit: check every pin (runtime and dev) for known vulnerabilities with pip-audit. It needs the
## internet (PyPI's vulnerability data), so it is not part of `make test`.
PIP_AUDIT_VERSION := 2.10.1
audit: $(PY_STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check pip-audit==$(PIP_AUDIT_VERSION)
	$(BIN)/pip-audit --strict --progress-spinner off --no-deps --disable-pip \
		--requirement lambda_src/requirements.txt --requirement requirements-dev.txt

clean:
	rm -rf $(VENV) node_modules cdk.out .cache .cdk .pytest_cache .mypy_cache .ruff_cache .hypothesis
