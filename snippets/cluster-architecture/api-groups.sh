#!/usr/bin/env bash
# Explore the Kubernetes API: groups, versions, resources, verbs and field documentation,
# then call the REST paths directly through kubectl get --raw and kubectl proxy.
# Page: docs/cluster-architecture/api-groups
# Runs on: lab cluster (binary and kind runtimes); needs kubectl and curl, and only reads.
#   kubectl proxy listens on a free local port and is stopped before the script ends.
set -euo pipefail

PROXY_LOG=${PROXY_LOG:-$(mktemp)}
PROXY_PID=""

cleanup() {
  if [[ -n $PROXY_PID ]]; then
    kill "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
  fi
  rm -f "$PROXY_LOG"
}
trap cleanup EXIT

# --8<-- [start:api-versions]
# Every group/version the API server serves; the core group has no name ("v1").
kubectl api-versions | sed -n '1,12p'
# --8<-- [end:api-versions]

# --8<-- [start:api-resources]
# Resources with their group/version, short names, scope and kind.
kubectl api-resources --sort-by=name | sed -n '1,8p'
# Only the apps group, with the verbs each resource accepts.
kubectl api-resources --api-group=apps -o wide
# Cluster-scoped resources are those with NAMESPACED=false.
kubectl api-resources --namespaced=false -o name | sed -n '1,8p'
# --8<-- [end:api-resources]

# --8<-- [start:explain]
# Field documentation from the server's OpenAPI schema, at any depth.
kubectl explain deployment --api-version=apps/v1 | sed -n '1,12p'
kubectl explain deployment.spec.strategy.rollingUpdate
# --8<-- [end:explain]

# --8<-- [start:raw]
# The same discovery documents kubectl reads, fetched by REST path.
kubectl get --raw /api
kubectl get --raw /apis/apps/v1 | grep -o '"name": *"[^"]*"' | sed -n '1,6p'
kubectl get --raw /api/v1/namespaces/kube-system | grep -o '"phase": *"[^"]*"'
# --8<-- [end:raw]

# --8<-- [start:proxy]
# kubectl proxy authenticates with your kubeconfig, so plain HTTP to localhost works.
# --port=0 picks a free port; the first line of output names it.
kubectl proxy --port=0 > "$PROXY_LOG" 2>&1 &
PROXY_PID=$!
for _ in $(seq 1 50); do
  grep -q 'Starting to serve on' "$PROXY_LOG" && break
  sleep 0.2
done
PROXY_ADDR=$(sed -n 's/^Starting to serve on //p' "$PROXY_LOG")
echo "proxy at $PROXY_ADDR"
curl -s "http://$PROXY_ADDR/version"; echo
curl -s "http://$PROXY_ADDR/apis" | grep -o '"name": *"[^"]*"' | sed -n '1,5p'
curl -s "http://$PROXY_ADDR/api/v1/namespaces/default/pods" | grep -o '"kind": *"[^"]*"'
# --8<-- [end:proxy]
