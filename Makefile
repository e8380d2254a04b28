# Entry points of the project. Each target is one line over a command of the `cka` package
# (python -m cka.<module>; `--help` on any of them says more).
# `make` alone lists them.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV := .venv
PY := $(VENV)/bin/python
VENV_READY := $(VENV)/.ready
# CLUSTER_RUNTIME (binary, kind or kubeadm) picks the practice cluster; unset, the commands use the
# running one (binary if none runs or both do).
export CLUSTER_RUNTIME
# CLUSTER_VERSION=previous starts the kubeadm cluster one minor behind, to practise the upgrade.
export CLUSTER_VERSION
# KUBEADM_SLOT=2 works on a second kubeadm cluster beside the usual one (its own network and files).
export KUBEADM_SLOT
# The commands start faster from compiled bytecode (cka/**/__pycache__, ignored by git).
unexport PYTHONDONTWRITEBYTECODE

##@ Reading and writing the site

serve: $(VENV_READY) ## Serve the site with live reload at http://127.0.0.1:8000
	$(PY) -m cka.site serve

build: $(VENV_READY) ## Build the online site into site/ (strict)
	$(PY) -m cka.site build

offline: $(VENV_READY) ## Build the offline site into site-offline/ and zip it
	$(PY) -m cka.site offline

##@ Checking

test: $(VENV_READY) ## Everything CI runs: static checks, site tests, the lab
	$(PY) -m cka.testrun

test-browser: $(VENV_READY) ## Test the built sites in Chromium (installs Chromium and npm tools once)
	$(PY) -m cka.site.browser test

validate: $(VENV_READY) ## Static checks of manifests, snippets and pages (seconds)
	$(PY) -m cka.checks

tools: $(VENV_READY) ## Install the pinned external tools into the per-user cache
	$(PY) -m cka.tools install

lock: $(VENV_READY) ## Regenerate requirements.txt (with hashes) from versions.yaml
	$(PY) -m cka.lock

##@ Practice cluster

cluster-up: $(VENV_READY) ## Start the practice cluster (CLUSTER_RUNTIME=binary|kind|kubeadm, CLUSTER_VERSION=previous)
	$(PY) -m cka.cluster up

cluster-down: $(VENV_READY) ## Stop the practice cluster and remove what it left behind
	$(PY) -m cka.cluster down

cluster-status: $(VENV_READY) ## Show the practice cluster and how to use it
	$(PY) -m cka.cluster status

node-shell: $(VENV_READY) ## A shell in a node of the kubeadm runtime: make node-shell NODE=node01 [CMD='crictl ps']
	$(PY) -m cka.cluster shell $(or $(NODE),controlplane) $(if $(CMD),-c '$(CMD)')

lab: $(VENV_READY) ## Apply every manifest and run every snippet against the cluster
	$(PY) -m cka.labs.manifests

lab-ha: $(VENV_READY) ## Live HA lab (root): etcd x3, API servers x2 behind HAProxy; break them, time the failover
	$(PY) -m cka.labs.ha

##@ Practice tasks and the mock exam

practice: $(VENV_READY) ## List the practice tasks; TASK=<id> sets one up and prints it
	$(PY) -m cka.practice $(if $(TASK),start $(TASK),list)

grade: $(VENV_READY) ## Grade a practice task check by check: make grade TASK=<id>
	$(PY) -m cka.practice grade $(TASK)

practice-reset: $(VENV_READY) ## Remove what a practice task created: make practice-reset TASK=<id> (or TASK=all)
	$(PY) -m cka.practice reset $(or $(TASK),all)

mock-exam: $(VENV_READY) ## A 2-hour mock exam graded into a report: 17 tasks by domain weight (SEED=<n>), or a fixed set (SET=a|b)
	$(PY) -m cka.practice mock-exam $(if $(SET),--set $(SET)) $(if $(SEED),--seed $(SEED))

mock-check: $(VENV_READY) ## Each fixed mock exam and a random draw: untouched 0 %, solved 100 %, timed
	$(PY) -m cka.practice mock-check

progress: $(VENV_READY) ## Where you stand per competency and domain, from your graded attempts (+ an HTML report)
	$(PY) -m cka.practice progress

drill: $(VENV_READY) ## Set up the next task: weakest competency first, failed tasks come back spaced (DRY_RUN=1: only say which)
	$(PY) -m cka.practice drill $(if $(DRY_RUN),--dry-run)

practice-check: $(VENV_READY) ## Prove every grader honest: setup fails, the solution passes, wrong solutions lose their points
	$(PY) -m cka.practice check

##@ Benchmarks (figures for the README; not part of make test)

bench-build: $(VENV_READY) ## Time the strict build with and without the hooks, and each hook's share
	$(PY) -m cka.bench build

bench-serve: $(VENV_READY) ## Time from a one-page edit to the rebuilt page under `make serve`
	$(PY) -m cka.bench serve

bench-site: $(VENV_READY) ## Page weight, requests and Lighthouse scores of the built site
	$(PY) -m cka.bench site

bench-search: $(VENV_READY) ## Search recall, index size and build time with and without the Korean search hook
	$(PY) -m cka.bench search

bench-validate: $(VENV_READY) ## make validate on a synthetic tree of 5,000 manifests, cold and warm
	$(PY) -m cka.bench validate

##@ Help

help: ## List the targets
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z_-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

$(VENV_READY): requirements.txt pyproject.toml scripts/bootstrap.sh
	@bash scripts/bootstrap.sh

clean: ## Remove build output (site/, site-offline/, reports)
	rm -rf site site-offline build

.PHONY: serve build offline test test-browser validate tools lock cluster-up cluster-down cluster-status node-shell lab lab-ha \
	practice grade practice-reset mock-exam mock-check progress drill practice-check bench-build bench-serve bench-site bench-search bench-validate \
	help clean
