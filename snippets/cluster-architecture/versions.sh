#!/usr/bin/env bash
# Read the versions of a cluster: kubectl and the API server, every kubelet, the API versions
# served, and the images (etcd, CoreDNS, pause) that a kubeadm release deploys.
# Page: docs/cluster-architecture/versions
# Runs on: lab cluster (binary and kind runtimes); the kubeadm-images section needs only the kubeadm binary.
# Usage: versions.sh [section ...]; sections run in file order, and no argument runs them all.
set -euo pipefail

# The Kubernetes release whose kubeadm image list to print.
K8S_VERSION=${K8S_VERSION:-v1.35.4}

ALL="client-server nodes api-versions kubeadm-images"
SECTIONS=${*:-$ALL}
for section in $SECTIONS; do
  [[ " $ALL " == *" $section "* ]] || { echo "unknown section: $section (sections: $ALL)" >&2; exit 2; }
done
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want client-server; then
# --8<-- [start:client-server]
# kubectl's own version and the API server's version.
kubectl version
# --8<-- [end:client-server]
fi

if want nodes; then
# --8<-- [start:nodes]
# VERSION in `kubectl get nodes` is each node's kubelet, not the control plane.
kubectl get nodes
kubectl get nodes -o custom-columns='NAME:.metadata.name,KUBELET:.status.nodeInfo.kubeletVersion,RUNTIME:.status.nodeInfo.containerRuntimeVersion'
# --8<-- [end:nodes]
fi

if want api-versions; then
# --8<-- [start:api-versions]
# Every group/version the API server serves; stable ones end in v1, v2, ...
kubectl api-versions
# Which group/version serves a kind (here: PodDisruptionBudget in the policy group).
kubectl api-resources --api-group=policy
# --8<-- [end:api-versions]
fi

if want kubeadm-images; then
# --8<-- [start:kubeadm-images]
# The images kubeadm would deploy for this release: etcd and CoreDNS carry their own versions.
kubeadm config images list --kubernetes-version "$K8S_VERSION"
# --8<-- [end:kubeadm-images]
fi
