#!/usr/bin/env bash
# Look at the objects a CSI driver leaves in the API: CSIDriver, CSINode,
# VolumeAttachment, and the driver name in PersistentVolumes and StorageClasses.
# Page: docs/storage/csi
# Runs on: lab cluster (binary and kind runtimes); needs manifests/storage/csi/ applied.
# Read-only: it changes nothing.
set -euo pipefail

DRIVER=${DRIVER:-hostpath.csi.k8s.io}

# --8<-- [start:api]
kubectl api-resources --api-group=storage.k8s.io
# --8<-- [end:api]

# --8<-- [start:drivers]
kubectl get csidrivers
kubectl describe csidriver "$DRIVER"
# --8<-- [end:drivers]

# --8<-- [start:nodes]
kubectl get csinodes
kubectl get volumeattachments
# --8<-- [end:nodes]

# --8<-- [start:who-provisions]
kubectl get storageclass -o custom-columns=NAME:.metadata.name,PROVISIONER:.provisioner
kubectl get pv -o custom-columns=NAME:.metadata.name,CSI-DRIVER:.spec.csi.driver,HANDLE:.spec.csi.volumeHandle
# --8<-- [end:who-provisions]

# --8<-- [start:explain]
kubectl explain csidriver.spec.attachRequired
# --8<-- [end:explain]
