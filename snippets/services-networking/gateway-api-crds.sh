#!/usr/bin/env bash
# Install the Gateway API CRDs (standard channel) at the pinned version.
# Page: docs/services-networking/gateway-api
# Runs on: lab cluster (binary and kind runtimes) and any host with Go and kubectl. The CRDs come
#   from the Go module sigs.k8s.io/gateway-api (config/crd/standard/), fetched through the Go
#   module proxy into the module cache; nothing else is downloaded. Safe to run again: the apply
#   is server-side and changes nothing when the CRDs are already there. It removes nothing
#   afterwards on purpose: the CRDs are part of the cluster, as on an exam cluster.
set -euo pipefail

# The version pinned in versions.yaml (gateway_api.version); the lab checks that they agree.
GATEWAY_API_VERSION=${GATEWAY_API_VERSION:-v1.6.3}

# --8<-- [start:install]
# go mod download puts the module's files into the module cache and prints where (Dir).
CRD_DIR="$(go mod download -json "sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')/config/crd/standard"
kubectl apply --server-side --force-conflicts -f "$CRD_DIR"
kubectl wait --for=condition=Established --timeout=60s \
  crd/gatewayclasses.gateway.networking.k8s.io crd/gateways.gateway.networking.k8s.io \
  crd/httproutes.gateway.networking.k8s.io crd/referencegrants.gateway.networking.k8s.io
# --8<-- [end:install]

# --8<-- [start:api-resources]
kubectl api-resources --api-group=gateway.networking.k8s.io
# --8<-- [end:api-resources]
