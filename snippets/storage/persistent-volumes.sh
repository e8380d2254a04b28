#!/usr/bin/env bash
# Inspect PersistentVolumes and claims, set a reclaim policy, watch storage object in use
# protection, release a Retain volume and make it Available for a new claim.
# Page: docs/storage/persistent-volumes
# Runs on: lab cluster (binary and kind runtimes); needs manifests/storage/persistent-volumes/
# applied in $NAMESPACE with myclaim Bound and mypod Running. It deletes and re-creates
# myclaim and mypod, and leaves them Bound and Running as it found them.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
PV=${PV:-pv-hostpath-demo}
PVC=${PVC:-myclaim}
POD=${POD:-mypod}
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MANIFESTS=${MANIFESTS:-$SCRIPT_DIR/../../manifests/storage/persistent-volumes}

# --8<-- [start:list]
kubectl get pv
kubectl get pvc -n "$NAMESPACE"
# --8<-- [end:list]

# --8<-- [start:describe]
kubectl describe pvc "$PVC" -n "$NAMESPACE"
kubectl describe pv "$PV"
# --8<-- [end:describe]

# --8<-- [start:columns]
kubectl get pv -o custom-columns=NAME:.metadata.name,POLICY:.spec.persistentVolumeReclaimPolicy,STATUS:.status.phase,CLAIM:.spec.claimRef.name
kubectl get pv --sort-by=.spec.capacity.storage
# --8<-- [end:columns]

# --8<-- [start:reclaim-policy]
kubectl patch pv "$PV" -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'
kubectl get pv "$PV" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}{"\n"}'
# --8<-- [end:reclaim-policy]

# --8<-- [start:protect]
kubectl delete pvc "$PVC" -n "$NAMESPACE" --wait=false
kubectl get pvc "$PVC" -n "$NAMESPACE"
kubectl get pvc "$PVC" -n "$NAMESPACE" -o jsonpath='{.metadata.finalizers}{"\n"}'
# --8<-- [end:protect]

# --8<-- [start:release]
kubectl delete pod "$POD" -n "$NAMESPACE"
kubectl wait --for=delete pvc/"$PVC" -n "$NAMESPACE" --timeout=120s
kubectl wait --for=jsonpath='{.status.phase}'=Released pv/"$PV" --timeout=60s
kubectl get pv "$PV"
# --8<-- [end:release]

# --8<-- [start:reuse]
kubectl patch pv "$PV" --type json -p '[{"op":"remove","path":"/spec/claimRef"}]'
kubectl wait --for=jsonpath='{.status.phase}'=Available pv/"$PV" --timeout=60s
kubectl apply -n "$NAMESPACE" -f "$MANIFESTS/pvc-claim.yaml" -f "$MANIFESTS/pod-with-pvc.yaml"
kubectl wait --for=jsonpath='{.status.phase}'=Bound pvc/"$PVC" -n "$NAMESPACE" --timeout=60s
kubectl get pvc "$PVC" -n "$NAMESPACE"
# --8<-- [end:reuse]

# Leave the Pod as the lab found it (not shown on the page).
kubectl wait --for=jsonpath='{.status.phase}'=Running pod/"$POD" -n "$NAMESPACE" --timeout=120s
