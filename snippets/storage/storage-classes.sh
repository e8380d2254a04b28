#!/usr/bin/env bash
# List StorageClasses, find and change the default, follow a dynamically provisioned
# claim, and ask for a bigger volume.
# Page: docs/storage/storage-classes
# Runs on: lab cluster, kind runtime (it needs the local-path provisioner that kind ships);
# needs manifests/storage/storage-classes/ storageclass-wait.yaml, pvc-dynamic.yaml and
# pod-dynamic.yaml applied in $NAMESPACE, with data-dynamic Bound. It marks local-path-wait
# as the default class and then removes the mark again; data-dynamic keeps its new size.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
SC=${SC:-local-path-wait}
PVC=${PVC:-data-dynamic}

# --8<-- [start:list]
kubectl get storageclass
kubectl describe storageclass "$SC"
# --8<-- [end:list]

# --8<-- [start:default]
kubectl get storageclass -o custom-columns='NAME:.metadata.name,DEFAULT:.metadata.annotations.storageclass\.kubernetes\.io/is-default-class'
kubectl annotate storageclass "$SC" storageclass.kubernetes.io/is-default-class=true --overwrite
kubectl get storageclass
# --8<-- [end:default]

# --8<-- [start:undo-default]
kubectl annotate storageclass "$SC" storageclass.kubernetes.io/is-default-class-
# --8<-- [end:undo-default]

# --8<-- [start:follow-claim]
kubectl get pvc "$PVC" -n "$NAMESPACE"
kubectl get events -n "$NAMESPACE" --field-selector involvedObject.name="$PVC" --sort-by=.lastTimestamp
PV_NAME=$(kubectl get pvc "$PVC" -n "$NAMESPACE" -o jsonpath='{.spec.volumeName}')
kubectl get pv "$PV_NAME"
kubectl get pv "$PV_NAME" -o jsonpath='{.metadata.annotations.pv\.kubernetes\.io/provisioned-by}{"\n"}'
# --8<-- [end:follow-claim]

# --8<-- [start:expand]
kubectl patch pvc "$PVC" -n "$NAMESPACE" -p '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}'
kubectl get pvc "$PVC" -n "$NAMESPACE" -o jsonpath='{.spec.resources.requests.storage} requested, {.status.capacity.storage} provisioned{"\n"}'
# --8<-- [end:expand]
