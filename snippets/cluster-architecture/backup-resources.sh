#!/usr/bin/env bash
# Back up resource configuration through the API server: a quick dump of `get all`, then a
# per-namespace export of the kinds people write, which `kubectl apply` can load again.
# Page: docs/cluster-architecture/backup-restore
# Runs on: lab cluster (binary and kind runtimes); any shell whose kubectl can list every namespace.
# Usage: backup-resources.sh [section ...]; sections run in file order, and no argument runs
# all-in-one, per-namespace and cluster-scoped (restore runs only when named).
# The files hold Secrets in base64: keep BACKUP_DIR as private as the cluster's etcd.
set -euo pipefail

BACKUP_DIR=${BACKUP_DIR:-$HOME/cluster-backup}
# Namespaces to export, separated by spaces; empty means every namespace.
NAMESPACES=${NAMESPACES:-}
# The namespace that the restore section loads again.
RESTORE_NAMESPACE=${RESTORE_NAMESPACE:-default}
# Kinds that people author. Controllers recreate the rest (Pods, ReplicaSets, EndpointSlices), so
# exporting those would only bring back stale copies; run-once Jobs are left out on purpose too.
KINDS=${KINDS:-deployments,statefulsets,daemonsets,cronjobs,services,configmaps,secrets,persistentvolumeclaims,serviceaccounts,roles,rolebindings,networkpolicies,ingresses,horizontalpodautoscalers,poddisruptionbudgets}

ALL="all-in-one per-namespace cluster-scoped restore"
DEFAULT="all-in-one per-namespace cluster-scoped"
SECTIONS=${*:-$DEFAULT}
for section in $SECTIONS; do
  [[ " $ALL " == *" $section "* ]] || { echo "unknown section: $section (sections: $ALL)" >&2; exit 2; }
done
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

# --8<-- [start:strip]
# The API server refuses to create an object that carries a resourceVersion, so drop the fields
# it sets itself (they sit at four spaces of indentation under each item's metadata).
strip_server_fields() {
  sed -E '/^    (creationTimestamp|resourceVersion|uid):/d'
}
# --8<-- [end:strip]

mkdir -p "$BACKUP_DIR/namespaces"

if want all-in-one; then
# --8<-- [start:all-in-one]
# Quick, but `all` means only Pods, Services, Deployments, ReplicaSets, ReplicationControllers,
# StatefulSets, DaemonSets, Jobs, CronJobs and HorizontalPodAutoscalers: no ConfigMaps, Secrets,
# PVCs, RBAC or Ingresses.
kubectl get all --all-namespaces -o yaml > "$BACKUP_DIR/all-resources.yaml"
# --8<-- [end:all-in-one]
fi

if want per-namespace; then
# --8<-- [start:per-namespace]
# One file per namespace with the kinds in KINDS, ready for `kubectl apply -f`.
for ns in ${NAMESPACES:-$(kubectl get namespaces -o jsonpath='{.items[*].metadata.name}')}; do
  kubectl get "$KINDS" --namespace "$ns" -o yaml | strip_server_fields > "$BACKUP_DIR/namespaces/$ns.yaml"
  echo "$ns: $(grep -c '^- apiVersion:' "$BACKUP_DIR/namespaces/$ns.yaml") objects"
done
# --8<-- [end:per-namespace]
fi

if want cluster-scoped; then
# --8<-- [start:cluster-scoped]
# Objects outside namespaces: the namespaces themselves, CRDs, cluster RBAC, storage classes, PVs.
kubectl get namespaces,customresourcedefinitions,clusterroles,clusterrolebindings \
  -o yaml | strip_server_fields > "$BACKUP_DIR/cluster-scoped.yaml"
kubectl get storageclasses,persistentvolumes,ingressclasses,priorityclasses \
  -o yaml | strip_server_fields > "$BACKUP_DIR/cluster-storage.yaml"
ls -l "$BACKUP_DIR" "$BACKUP_DIR/namespaces"
# --8<-- [end:cluster-scoped]
fi

if want restore; then
# --8<-- [start:restore]
# Load one namespace's export again; objects that still exist are updated, missing ones created.
kubectl apply -f "$BACKUP_DIR/namespaces/$RESTORE_NAMESPACE.yaml"
# --8<-- [end:restore]
fi
