#!/usr/bin/env bash
# Upgrade a kubeadm worker node by one minor version, after the control plane is upgraded.
# Page: docs/cluster-architecture/cluster-upgrade
# Runs on: kubeadm node only. The sections repo, kubeadm, node and kubelet run on the worker as root
# (Debian or Ubuntu with the pkgs.k8s.io apt repository); drain and uncordon run wherever an admin
# kubectl works, usually the control plane node.
# Usage: cluster-upgrade-worker.sh [section ...]; sections run in file order, and no argument runs
# them all (for a worker that has an admin kubeconfig in KUBECONFIG).
set -euo pipefail

K8S_MINOR=${K8S_MINOR:-1.35}
K8S_PATCH=${K8S_PATCH:-1.35.4}
NODE=${NODE:-node01}
APT_SOURCE=${APT_SOURCE:-/etc/apt/sources.list.d/kubernetes.list}

ALL="repo kubeadm node drain kubelet uncordon"
SECTIONS=${*:-$ALL}
for section in $SECTIONS; do
  [[ " $ALL " == *" $section "* ]] || { echo "unknown section: $section (sections: $ALL)" >&2; exit 2; }
done
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want repo; then
# --8<-- [start:repo]
# On the worker: the same repository switch as on the control plane.
sed -i -E "s#(pkgs\.k8s\.io/core:/stable:/)v[0-9]+\.[0-9]+/#\1v${K8S_MINOR}/#" "$APT_SOURCE"
apt-get update
# --8<-- [end:repo]
fi

if want kubeadm; then
# --8<-- [start:kubeadm]
apt-mark unhold kubeadm
apt-get install -y kubeadm="${K8S_PATCH}-*"
apt-mark hold kubeadm
# --8<-- [end:kubeadm]
fi

if want node; then
# --8<-- [start:node]
# On a worker this only changes the kubelet's files: its configuration for the new minor, and its flags.
kubeadm upgrade node
# --8<-- [end:node]
fi

if want drain; then
# --8<-- [start:drain]
# From the control plane (or any admin kubectl), not from the worker.
kubectl drain "$NODE" --ignore-daemonsets
# --8<-- [end:drain]
fi

if want kubelet; then
# --8<-- [start:kubelet]
# Back on the worker.
apt-mark unhold kubelet kubectl
apt-get install -y kubelet="${K8S_PATCH}-*" kubectl="${K8S_PATCH}-*"
apt-mark hold kubelet kubectl
systemctl daemon-reload
systemctl restart kubelet
# --8<-- [end:kubelet]
fi

if want uncordon; then
# --8<-- [start:uncordon]
# From the control plane again: the node reports the new kubelet version.
kubectl uncordon "$NODE"
kubectl get nodes
# --8<-- [end:uncordon]
fi
