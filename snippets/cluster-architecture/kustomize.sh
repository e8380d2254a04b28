#!/usr/bin/env bash
# Kustomize through kubectl: render the base and the overlays, apply them with -k, and read
# what the generator, the patches and the image override produced.
# Page: docs/cluster-architecture/kustomize
# Runs on: lab cluster (binary and kind runtimes); needs kubectl. NS must exist (the base is
#   applied there); the prod overlay brings its own namespace, kustomize-prod, which section
#   apply-overlay creates and section cleanup deletes.
set -euo pipefail

NS=${NS:-default}
ROOT=${LAB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT/manifests/cluster-architecture/kustomize"

# --8<-- [start:version]
kubectl version --client | grep -i kustomize
# --8<-- [end:version]

# --8<-- [start:render-base]
# Render only: nothing is sent to the API server.
kubectl kustomize base | grep -E '^kind:|^  name:|GREETING|name: web-config'
# --8<-- [end:render-base]

# --8<-- [start:apply-base]
kubectl apply -k base -n "$NS"
kubectl get deployment,service,configmap -n "$NS" -l app.kubernetes.io/part-of=shop
# --8<-- [end:apply-base]

# --8<-- [start:diff-overlays]
# What each overlay changes: compare the rendered output.
diff <(kubectl kustomize base) <(kubectl kustomize overlays/prod) || true
# --8<-- [end:diff-overlays]

# --8<-- [start:apply-overlay]
kubectl create namespace kustomize-prod --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -k overlays/prod
kubectl -n kustomize-prod get deployment prod-web \
  -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].resources.limits.memory}{"\n"}'
kubectl -n kustomize-prod get configmap -l env=prod -o name
kubectl -n kustomize-prod get deployment prod-web \
  -o jsonpath='{.spec.template.spec.containers[0].envFrom[0].configMapRef.name}{"\n"}'
# --8<-- [end:apply-overlay]

# --8<-- [start:dev]
kubectl kustomize overlays/dev | grep -E '^  name: dev-|GREETING|replicas:|image:'
# --8<-- [end:dev]

# --8<-- [start:cleanup]
kubectl delete -k overlays/prod --ignore-not-found
kubectl delete namespace kustomize-prod --ignore-not-found
kubectl delete -k base -n "$NS" --ignore-not-found
# --8<-- [end:cleanup]
