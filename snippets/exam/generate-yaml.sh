#!/usr/bin/env bash
# Generate manifests with imperative commands instead of typing YAML.
# Page: docs/exam/guide
# Runs on: lab cluster (binary and kind runtimes); writes into a temporary directory.
set -euo pipefail

WORK_DIR=${WORK_DIR:-$(mktemp -d)}
do="--dry-run=client -o yaml"
cd "$WORK_DIR"

# --8<-- [start:generate]
# shellcheck disable=SC2086  # $do is meant to split into two flags
kubectl create deployment web --image=nginx:1.27.3 --replicas=2 $do > deploy.yaml
# shellcheck disable=SC2086
kubectl create service clusterip web --tcp=80:80 $do > svc.yaml
# shellcheck disable=SC2086
kubectl run tmp --image=busybox:1.37.0 --restart=Never $do -- sleep 3600 > pod.yaml
# --8<-- [end:generate]

# --8<-- [start:explain]
kubectl explain deployment.spec.strategy.rollingUpdate
# --8<-- [end:explain]

grep -q "kind: Deployment" deploy.yaml
grep -q "kind: Service" svc.yaml
grep -q "kind: Pod" pod.yaml
echo "generated: $(printf '%s ' *)"
