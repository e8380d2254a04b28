#!/usr/bin/env bash
# Security contexts and Pod Security Admission: what a namespace label enforces, how to test
# a label before setting it, the refusal of a privileged Pod, and (with running containers)
# the user, groups and read-only root filesystem a restricted Pod really gets.
# Page: docs/workloads-scheduling/security-contexts
# Runs on: lab cluster (binary and kind runtimes), as a cluster admin; needs
#   manifests/workloads-scheduling/security-contexts/ applied: namespace-restricted.yaml, and
#   pod-restricted.yaml + pod-user-override.yaml in $PSA_NAMESPACE. The exec sections run only
#   with CONTAINERS_RUN=yes. The dry-run label changes nothing; the privileged Pod is refused,
#   so nothing is left behind.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MANIFEST_DIR=${MANIFEST_DIR:-$SCRIPT_DIR/../../manifests/workloads-scheduling/security-contexts}
NAMESPACE=${NAMESPACE:-default}
PSA_NAMESPACE=${PSA_NAMESPACE:-psa-restricted}
CONTAINERS_RUN=${CONTAINERS_RUN:-no}

# --8<-- [start:explain]
# Field help without leaving the terminal: which fields exist at which level.
kubectl explain pod.spec.securityContext | sed -n '1,12p'
kubectl explain pod.spec.containers.securityContext.capabilities
# --8<-- [end:explain]

# --8<-- [start:labels]
# The imperative way to set the mode labels (here on the lab's namespace, already set).
kubectl label namespace "$PSA_NAMESPACE" --overwrite \
  pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/warn=restricted
kubectl get namespace "$PSA_NAMESPACE" --show-labels
# --8<-- [end:labels]

# --8<-- [start:dry-run-label]
# Before enforcing on a namespace that already has Pods: a server-side dry run lists the
# existing Pods that would violate the level, and changes nothing.
kubectl label --dry-run=server --overwrite namespace "$NAMESPACE" \
  pod-security.kubernetes.io/enforce=restricted
# --8<-- [end:dry-run-label]

# --8<-- [start:apply-privileged]
kubectl apply -n "$PSA_NAMESPACE" -f "$MANIFEST_DIR/pod-privileged.yaml" \
  || echo "refused by Pod Security Admission, as expected"
kubectl get pods -n "$PSA_NAMESPACE"
# --8<-- [end:apply-privileged]

if [[ $CONTAINERS_RUN == yes ]]; then
kubectl wait pod/restricted-app pod/user-override -n "$PSA_NAMESPACE" \
  --for=condition=Ready --timeout=180s
# --8<-- [start:exec-id]
# Who runs the process: runAsUser, runAsGroup, and fsGroup among the groups.
kubectl exec -n "$PSA_NAMESPACE" restricted-app -- id
# The volume is group-owned by fsGroup; the root filesystem is read-only.
kubectl exec -n "$PSA_NAMESPACE" restricted-app -- sh -c 'touch /data/ok && ls -ln /data'
kubectl exec -n "$PSA_NAMESPACE" restricted-app -- touch /probe || true
# --8<-- [end:exec-id]
# --8<-- [start:exec-override]
# Container level beats Pod level: 1000 (inherited) and 2000 (own setting).
kubectl exec -n "$PSA_NAMESPACE" user-override -c web -- id -u
kubectl exec -n "$PSA_NAMESPACE" user-override -c sidecar -- id -u
# --8<-- [end:exec-override]
fi
