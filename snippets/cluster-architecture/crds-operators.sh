#!/usr/bin/env bash
# CustomResourceDefinitions: teach the API server a kind, create custom resources that its
# schema accepts and rejects, then install a real operator's CRDs (cert-manager's) and find
# and read them the way the exam asks.
# Page: docs/cluster-architecture/crds-operators
# Runs on: lab cluster (binary and kind runtimes); needs kubectl. NS must exist. Creates the
#   cluster-scoped CRDs backupschedules.ops.example.com and cert-manager's six CRDs, and deletes
#   them in section cleanup. CERT_MANAGER_CRDS is a folder with cert-manager's CRD files (the
#   lab copies them from the cert-manager Go module into the tools cache).
set -euo pipefail

NS=${NS:-default}
ROOT=${LAB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$ROOT/manifests/cluster-architecture/crds-operators
CACHE=${CKA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cka-guide}
FOUND=("$CACHE"/tools/cert-manager-crds-*/crds)
CERT_MANAGER_CRDS=${CERT_MANAGER_CRDS:-${FOUND[-1]}}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# --8<-- [start:create-crd]
kubectl apply -f "$DIR/crd-backupschedules.yaml"
kubectl wait --for=condition=Established crd/backupschedules.ops.example.com --timeout=30s
kubectl api-resources --api-group=ops.example.com
# --8<-- [end:create-crd]

# The schema reaches the published OpenAPI a moment after the CRD is Established.
for _ in $(seq 1 30); do kubectl explain backupschedule.spec >/dev/null 2>&1 && break; sleep 1; done

# --8<-- [start:explain]
kubectl explain backupschedule.spec
# --8<-- [end:explain]

# --8<-- [start:create-cr]
kubectl apply -n "$NS" -f "$DIR/backupschedule-nightly.yaml"
kubectl get backupschedules -n "$NS"
kubectl get bks nightly -n "$NS" -o jsonpath='{.spec.retentionDays}{"\n"}'
# --8<-- [end:create-cr]

# --8<-- [start:rejected]
# The API server checks the schema: all three problems come back in one message.
kubectl apply -n "$NS" -f "$DIR/backupschedule-invalid.yaml" || true
# --8<-- [end:rejected]

# --8<-- [start:operator-crds]
# An operator's CRDs, from its release (here: cert-manager's CRD files).
kubectl apply --server-side -f "$CERT_MANAGER_CRDS"
kubectl wait --for=condition=Established -f "$CERT_MANAGER_CRDS" --timeout=60s
# --8<-- [end:operator-crds]

# --8<-- [start:find-crds]
# Every CRD whose name ends in the operator's group, written to a file.
kubectl get crd | grep cert-manager.io
kubectl get crd -o name | grep cert-manager.io > "$OUT/cert-manager-crds.txt"
cat "$OUT/cert-manager-crds.txt"
kubectl api-resources --categories=cert-manager
# --8<-- [end:find-crds]

for _ in $(seq 1 30); do kubectl explain certificate.spec >/dev/null 2>&1 && break; sleep 1; done

# --8<-- [start:explain-operator]
kubectl explain certificate.spec.subject | sed -n '1,12p'
kubectl explain certificate.spec --recursive | grep -E '^  (dnsNames|issuerRef|secretName)\b'
# --8<-- [end:explain-operator]

# --8<-- [start:configure]
# Configuring an operator means creating its custom resources. Without the controller
# nothing reconciles them, but the API server validates and stores them.
kubectl apply -n "$NS" -f - <<'YAML'
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: selfsigned
spec:
  selfSigned: {}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web-tls
spec:
  secretName: web-tls
  dnsNames: [web.example.com]
  issuerRef:
    name: selfsigned
    kind: Issuer
YAML
kubectl get issuers,certificates -n "$NS"
# --8<-- [end:configure]

# --8<-- [start:cleanup]
kubectl delete -n "$NS" certificates,issuers --all
kubectl delete -f "$CERT_MANAGER_CRDS" --ignore-not-found
kubectl delete -n "$NS" -f "$DIR/backupschedule-nightly.yaml" --ignore-not-found
kubectl delete -f "$DIR/crd-backupschedules.yaml" --ignore-not-found
# --8<-- [end:cleanup]
