# Quick start: `make demo` (the local MSK, working) and `make test` (every test).
# Both install what is missing (a venv, Apache Kafka from Maven Central) and are fast
# when it is already there.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install kafka node-exporter demo test plugin-test unit lint bench soak clean down iac-check mutation

help:
	@echo "make demo    start the local MSK and show it working"
	@echo "make test    lint, unit and integration tests (starts its own local MSK)"
	@echo "make iac-check  Terraform/OpenTofu: fmt, validate, plan, test, checkov, all offline"
	@echo "make soak    long runs: 60 random lifecycle sequences (reboot, kill -9, down/up) on a local MSK;"
	@echo "             hostile-input fuzzing, 400 examples per command"
	@echo "make mutation  mutation score of the security-critical modules (mutmut; not part of make test)"
	@echo "make bench   benchmarks (local up, IAM vs SCRAM, clients, access plan/apply, protect, audit)"
	@echo "make down    stop the demo cluster"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

install: $(STAMP)

# Apache Kafka jars from Maven Central into ~/.cache/mskctl (checksums enforced), once;
# Debian's node exporter for open monitoring on 11002, where we may install packages.
kafka: install node-exporter
	@$(BIN)/mskctl local install

node-exporter:
	@command -v prometheus-node-exporter >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing prometheus-node-exporter (Debian) for open monitoring on port 11002"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	      prometheus-node-exporter >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	      prometheus-node-exporter >/dev/null 2>&1; } || \
	    echo "warning: could not install prometheus-node-exporter; port 11002 stays closed"; \
	  else echo "note: install prometheus-node-exporter for node metrics on port 11002"; fi; }

demo: kafka
	@$(BIN)/python scripts/demo.py

lint: install
	@$(BIN)/ruff check src tests bench scripts

unit: install
	@$(BIN)/pytest tests/unit -q $(PYTEST_ARGS)

# JUnit tests of broker-plugins (token validation, policy evaluation, action map), then pytest.
plugin-test:
	@cd broker-plugins && set -o pipefail && mvn -B -C test -Dmaven.repo.local=$(HOME)/.cache/mskctl/maven \
	  | grep -E "Tests run:|BUILD|ERROR"

# Terraform/OpenTofu offline (terraform/tools/README.md): OpenTofu built from the Go module proxy
# and a schema-only AWS provider generated from PyPI's cdktn-provider-aws, cached in
# ~/.cache/mskctl; then fmt, validate, plan, tofu test, negative fixtures, no secret in a saved
# plan or state, and checkov.
iac-check: install
	@terraform/tools/iac-check

test: kafka lint plugin-test iac-check
	@$(BIN)/pytest tests $(PYTEST_ARGS)

# Mutation testing (issue 26), not part of `make test` (time): mutmut over the security-critical modules,
# each mutant against the unit tests that reach it; the score per module goes to bench/results/mutation.txt.
mutation: install
	@$(BIN)/python -m pip install -q -e '.[dev,mutation]'
	@$(BIN)/python bench/mutation.py

# More of the lifecycle property test than `make test` runs (10 sequences there); then the hostile-input
# fuzzing with many more examples, unseeded (12 per property, derandomized, in `make test`), and the
# audit of a 5 MB .tf within 60 s.
SOAK_SEQUENCES ?= 60
SOAK_FUZZ_EXAMPLES ?= 400
soak: kafka
	@MSKCTL_LIFECYCLE_SEQUENCES=$(SOAK_SEQUENCES) $(BIN)/pytest tests/integration/test_lifecycle_safety.py \
	  -k random -s $(PYTEST_ARGS)
	@MSKCTL_FUZZ_EXAMPLES=$(SOAK_FUZZ_EXAMPLES) MSKCTL_FUZZ_RANDOM=1 MSKCTL_LARGE_TF_MB=5 $(BIN)/pytest \
	  tests/unit/test_hostile_fuzz.py tests/unit/test_hostile_bounds.py -q -s $(PYTEST_ARGS)

bench: kafka
	@$(BIN)/python -m pip install -q -e '.[dev,bench]'  # confluent-kafka[rules], the protect baseline
	@$(BIN)/python bench/local_up.py
	@$(BIN)/python bench/iam_vs_scram.py
	@$(BIN)/python bench/clients.py
	@$(BIN)/python bench/access.py
	@$(BIN)/python bench/protect.py
	@$(BIN)/python bench/audit.py

down: install
	@$(BIN)/mskctl local down

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
