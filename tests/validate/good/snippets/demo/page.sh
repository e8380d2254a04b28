#!/usr/bin/env bash
# Scale the demo Deployment.
# Page: docs/demo/page
# Runs on: lab cluster
set -euo pipefail

REPLICAS=${REPLICAS:-3}

# --8<-- [start:scale]
kubectl scale deployment web --replicas="$REPLICAS"
# --8<-- [end:scale]

# --8<-- [start:check]
kubectl get deployment web -o jsonpath='{.status.readyReplicas}'
# --8<-- [end:check]
