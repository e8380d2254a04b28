# Entry points of the project. Each target is one line over a script in scripts/.
# `make` alone lists them.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV := .venv
PY := $(VENV)/bin/python
VENV_READY := $(VENV)/.ready
CLUSTER_RUNTIME ?= binary
export CLUSTER_RUNTIME

##@ Reading and writing the site

serve: $(VENV_READY) ## Serve the site with live reload at http://127.0.0.1:8000
	$(PY) scripts/site.py serve

build: $(VENV_READY) ## Build the online site into site/ (strict)
	$(PY) scripts/site.py build

offline: $(VENV_READY) ## Build the offline site into site-offline/ and zip it
	$(PY) scripts/site.py offline

##@ Checking

test: $(VENV_READY) ## Everything CI runs: static checks, site tests, the lab
	$(PY) scripts/test.py

test-browser: $(VENV_READY) ## Test the built sites in Chromium (installs Chromium and npm tools once)
	$(PY) scripts/browser_tests.py test

validate: $(VENV_READY) ## Static checks of manifests, snippets and pages (seconds)
	$(PY) scripts/validate.py

tools: $(VENV_READY) ## Install the pinned external tools into the per-user cache
	$(PY) scripts/tools.py install

lock: $(VENV_READY) ## Regenerate requirements.txt (with hashes) from versions.yaml
	$(PY) scripts/lock.py

##@ Practice cluster

cluster-up: $(VENV_READY) ## Start the practice cluster (CLUSTER_RUNTIME=binary|kind)
	$(PY) scripts/cluster.py up

cluster-down: $(VENV_READY) ## Stop the practice cluster and remove what it left behind
	$(PY) scripts/cluster.py down

cluster-status: $(VENV_READY) ## Show the practice cluster and how to use it
	$(PY) scripts/cluster.py status

lab: $(VENV_READY) ## Apply every manifest and run every snippet against the cluster
	$(PY) scripts/lab.py

lab-ha: $(VENV_READY) ## Live HA lab (root): etcd x3, API servers x2 behind HAProxy; break them, time the failover
	$(PY) scripts/lab_ha.py

##@ Practice tasks and the mock exam

practice: $(VENV_READY) ## List the practice tasks; TASK=<id> sets one up and prints it
	$(PY) scripts/practice.py $(if $(TASK),start $(TASK),list)

grade: $(VENV_READY) ## Grade a practice task check by check: make grade TASK=<id>
	$(PY) scripts/practice.py grade $(TASK)

practice-reset: $(VENV_READY) ## Remove what a practice task created: make practice-reset TASK=<id> (or TASK=all)
	$(PY) scripts/practice.py reset $(or $(TASK),all)

mock-exam: $(VENV_READY) ## A 2-hour mock exam: 17 tasks by domain weight, graded into a report (SEED=<n>)
	$(PY) scripts/practice.py mock-exam $(if $(SEED),--seed $(SEED))

practice-check: $(VENV_READY) ## Prove every grader honest: setup fails, the solution passes, wrong solutions lose their points
	$(PY) scripts/practice.py check

##@ Help

help: ## List the targets
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z_-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

$(VENV_READY): requirements.txt scripts/bootstrap.sh
	@bash scripts/bootstrap.sh

clean: ## Remove build output (site/, site-offline/, reports)
	rm -rf site site-offline build

.PHONY: serve build offline test test-browser validate tools lock cluster-up cluster-down cluster-status lab lab-ha practice grade practice-reset mock-exam practice-check help clean
