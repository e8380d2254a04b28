#!/usr/bin/env bash
# Create the TLS Secret of the Gateway, read Gateway API objects and their status, and watch the
# API server reject an HTTPRoute that breaks the CRD's rules.
# Page: docs/services-networking/gateway-api
# Runs on: lab cluster (binary and kind runtimes), with the Gateway API CRDs installed
#   (snippets/services-networking/gateway-api-crds.sh) and manifests/services-networking/gateway-api/
#   applied. No Gateway controller is needed: the commands only talk to the API server. Creates
#   Secret shop-tls in gateway-infra and HTTPRoute store-cli in gateway-apps, and deletes both.
set -euo pipefail

ROOT=${LAB_ROOT:-.}
WORK=$(mktemp -d)
cleanup() {
  kubectl -n gateway-apps delete httproute store-cli --ignore-not-found
  kubectl -n gateway-infra delete secret shop-tls --ignore-not-found
  rm -rf "$WORK"
}
trap cleanup EXIT

# --8<-- [start:tls-secret]
# The HTTPS listener's certificateRefs name a kubernetes.io/tls Secret in the Gateway's namespace.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=*.example.com" \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
kubectl -n gateway-infra create secret tls shop-tls --cert="$WORK/tls.crt" --key="$WORK/tls.key"
# --8<-- [end:tls-secret]

# --8<-- [start:get]
kubectl get gatewayclass
kubectl get gateway -A
kubectl get httproute -n gateway-apps
# --8<-- [end:get]

# --8<-- [start:conditions]
# Which controller owns the class, and what the status says so far.
kubectl get gatewayclass lab-gateway-class \
  -o jsonpath='{.spec.controllerName}{"\n"}{range .status.conditions[*]}{.type}={.status} ({.reason}){"\n"}{end}'
kubectl -n gateway-infra get gateway shop-gateway \
  -o jsonpath='{range .status.conditions[*]}{.type}={.status} ({.reason}){"\n"}{end}'
# A route's status lists one entry per parent (Gateway) that a controller has processed.
kubectl -n gateway-apps get httproute canary -o jsonpath='{.status.parents}{"\n"}'
# --8<-- [end:conditions]

# --8<-- [start:weights]
kubectl -n gateway-apps get httproute canary \
  -o jsonpath='{range .spec.rules[0].backendRefs[*]}{.name}{"\t"}{.weight}{"\n"}{end}'
# --8<-- [end:weights]

# --8<-- [start:explain]
# The schema is in the cluster: kubectl explain works for the CRDs too.
kubectl explain httproute.spec.rules.matches.path
# --8<-- [end:explain]

# --8<-- [start:invalid]
# The CRD's own rules (openAPI and CEL) reject this route before any controller sees it.
kubectl apply -f "$ROOT/manifests/services-networking/gateway-api/httproute-invalid.yaml" 2>&1 \
  || echo "rejected (exit $?)"
# --8<-- [end:invalid]

# --8<-- [start:edit-weights]
# Change a split without an editor: a JSON patch on the two weights (here on a copy of canary).
sed -e 's/^  name: canary$/  name: store-cli/' -e 's/canary.example.com/cli.example.com/' \
  "$ROOT/manifests/services-networking/gateway-api/httproute-canary.yaml" | kubectl create -f -
kubectl -n gateway-apps patch httproute store-cli --type=json -p='[
  {"op": "replace", "path": "/spec/rules/0/backendRefs/0/weight", "value": 50},
  {"op": "replace", "path": "/spec/rules/0/backendRefs/1/weight", "value": 50}]'
kubectl -n gateway-apps get httproute store-cli \
  -o jsonpath='{range .spec.rules[0].backendRefs[*]}{.name}{"\t"}{.weight}{"\n"}{end}'
# --8<-- [end:edit-weights]
