#!/usr/bin/env bash
# Create, read and annotate Ingresses imperatively with kubectl.
# Page: docs/services-networking/ingress
# Runs on: lab cluster (binary and kind runtimes); needs manifests/services-networking/ingress/
#   applied in $NAMESPACE (IngressClass nginx-example, Services wear-service and watch-service).
#   Creates Ingress shop-cli and deletes it at the end. No Ingress controller is needed: the
#   commands only talk to the API server.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
CLASS=${CLASS:-nginx-example}

cleanup() {
  kubectl -n "$NAMESPACE" delete ingress shop-cli --ignore-not-found
}
trap cleanup EXIT

# --8<-- [start:classes]
# Which IngressClasses exist, which controller each one names, and which one is the default.
kubectl get ingressclass
kubectl get ingressclass -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.metadata.annotations.ingressclass\.kubernetes\.io/is-default-class}{"\n"}{end}'
# --8<-- [end:classes]

# --8<-- [start:create]
# A trailing * makes the path Prefix; without it the path is Exact.
kubectl -n "$NAMESPACE" create ingress shop-cli --class="$CLASS" \
  --rule="shop.example.com/wear*=wear-service:80" \
  --rule="shop.example.com/watch=watch-service:80"
kubectl -n "$NAMESPACE" get ingress shop-cli \
  -o jsonpath='{range .spec.rules[*].http.paths[*]}{.path}{"\t"}{.pathType}{"\t"}{.backend.service.name}{"\n"}{end}'
# --8<-- [end:create]

# --8<-- [start:describe]
kubectl -n "$NAMESPACE" get ingress
kubectl -n "$NAMESPACE" describe ingress shop-cli
# --8<-- [end:describe]

# --8<-- [start:annotate]
# Controller-specific behaviour lives in annotations; this one is read by ingress-nginx only.
kubectl -n "$NAMESPACE" annotate ingress shop-cli nginx.ingress.kubernetes.io/rewrite-target=/
kubectl -n "$NAMESPACE" get ingress shop-cli -o jsonpath='{.metadata.annotations}{"\n"}'
# --8<-- [end:annotate]

# --8<-- [start:tls-default-backend]
# Print (not create) an Ingress with TLS from Secret shop-tls and a default backend.
kubectl -n "$NAMESPACE" create ingress secure --class="$CLASS" \
  --default-backend=wear-service:80 \
  --rule="secure.example.com/*=wear-service:80,tls=shop-tls" \
  --dry-run=client -o yaml
# --8<-- [end:tls-default-backend]
