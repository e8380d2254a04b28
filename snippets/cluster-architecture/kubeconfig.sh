#!/usr/bin/env bash
# Read and edit kubeconfig files: contexts, the current namespace, adding a cluster
# and a user with embedded certificates, and merging two files with KUBECONFIG.
# Page: docs/cluster-architecture/kubeconfig
# Runs on: any host with kubectl and openssl; needs no cluster. It works on copies in a
#   temporary directory, so your own ~/.kube/config is never read or changed.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EXAMPLE=${EXAMPLE:-$SCRIPT_DIR/../../manifests/cluster-architecture/kubeconfig/kubeconfig-two-clusters.yaml}
WORK_DIR=${WORK_DIR:-$(mktemp -d)}

cleanup() { rm -rf "$WORK_DIR"; }
trap cleanup EXIT

# --8<-- [start:setup]
# Work on a copy: every kubectl below reads $KUBECONFIG, not ~/.kube/config.
cp "$EXAMPLE" "$WORK_DIR/config"
export KUBECONFIG="$WORK_DIR/config"
# Throwaway certificates for the paths the example names (certs/ next to the file).
mkdir -p "$WORK_DIR/certs"
for name in development-ca production-ca dev-admin prod-viewer staging-ca staging-admin; do
  openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=${name}" -days 1 \
    -keyout "$WORK_DIR/certs/${name}.key" -out "$WORK_DIR/certs/${name}.crt" 2>/dev/null
done
# --8<-- [end:setup]

# --8<-- [start:view]
kubectl config get-contexts
kubectl config current-context
kubectl config view --minify
# --8<-- [end:view]

# --8<-- [start:use-context]
# What every exam task asks you to do first (with the task's own context name).
kubectl config use-context prod-viewer@production
kubectl config current-context
# --8<-- [end:use-context]

# --8<-- [start:namespace]
# Change the namespace of the current context instead of typing -n every time.
kubectl config set-context --current --namespace=monitoring
kubectl config get-contexts
kubectl config view --minify -o jsonpath='{.contexts[0].context.namespace}{"\n"}'
# --8<-- [end:namespace]

# --8<-- [start:add]
# Build a second kubeconfig file with set-cluster, set-credentials and set-context.
# --embed-certs copies the file contents into *-data fields, so the file stands alone.
STAGING="$WORK_DIR/staging.yaml"
kubectl config --kubeconfig="$STAGING" set-cluster staging \
  --server=https://staging.example.com:6443 \
  --certificate-authority="$WORK_DIR/certs/staging-ca.crt" --embed-certs=true
kubectl config --kubeconfig="$STAGING" set-credentials staging-admin \
  --client-certificate="$WORK_DIR/certs/staging-admin.crt" \
  --client-key="$WORK_DIR/certs/staging-admin.key" --embed-certs=true
kubectl config --kubeconfig="$STAGING" set-context staging-admin@staging \
  --cluster=staging --user=staging-admin --namespace=default
kubectl config --kubeconfig="$STAGING" view
# --8<-- [end:add]

# --8<-- [start:merge]
# KUBECONFIG may list several files (":" on Linux and macOS); kubectl merges them.
# The first file that sets a value wins, so current-context comes from "config".
KUBECONFIG="$WORK_DIR/config:$STAGING" kubectl config get-contexts
# --flatten writes one self-contained file with every certificate embedded.
KUBECONFIG="$WORK_DIR/config:$STAGING" kubectl config view --flatten > "$WORK_DIR/merged.yaml"
kubectl config --kubeconfig="$WORK_DIR/merged.yaml" get-contexts -o name
grep -c -- '-data:' "$WORK_DIR/merged.yaml"
# --8<-- [end:merge]
