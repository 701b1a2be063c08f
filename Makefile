# Needs only Python 3.11+, git and make: each target bootstraps tox into .venv-bootstrap.
PYTHON ?= python3
BOOTSTRAP := .venv-bootstrap
TOX := $(BOOTSTRAP)/bin/tox

.PHONY: test generate lint sandbox bench clean

$(TOX):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(BOOTSTRAP)
	$(BOOTSTRAP)/bin/python -m pip install --quiet --disable-pip-version-check 'tox>=4.20'

test: $(TOX)  ## lint + the project's tests
	$(TOX) run -e lint,tests

generate: $(TOX)  ## render the eight repositories into ./generated
	$(TOX) run -e generate

lint: $(TOX)
	$(TOX) run -e lint

sandbox: $(TOX)  ## generate, deploy into a local AWS emulator, run the conformance suite (needs terraform)
	$(TOX) run -e sandbox

bench: $(TOX)  ## benchmarks: static vs checkov and the parse floor, scale, live calls, the sandbox (writes benchmarks/RESULTS.md)
	$(TOX) run -e bench

clean:
	rm -rf $(BOOTSTRAP) .tox generated sandbox
