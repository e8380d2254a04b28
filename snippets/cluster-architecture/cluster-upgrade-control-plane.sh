#!/usr/bin/env bash
# Upgrade a kubeadm control plane node by one minor version, for example v1.34.x to v1.35.x.
# Page: docs/cluster-architecture/cluster-upgrade
# Runs on: kubeadm node only (the control plane node, as root, Debian or Ubuntu with the
# pkgs.k8s.io apt repository); kubectl uses /etc/kubernetes/admin.conf.
# Usage: cluster-upgrade-control-plane.sh [section ...]; sections run in file order. No argument runs
# repo, kubeadm, plan, apply, drain, kubelet and uncordon: the first control plane node.
# On every other control plane node name the sections: repo kubeadm node drain kubelet uncordon.
set -euo pipefail

# The target: a minor (the package repository) and its patch release (the packages).
K8S_MINOR=${K8S_MINOR:-1.35}
K8S_PATCH=${K8S_PATCH:-1.35.4}
# The node name as `kubectl get nodes` shows it.
NODE=${NODE:-controlplane}
APT_SOURCE=${APT_SOURCE:-/etc/apt/sources.list.d/kubernetes.list}
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}

ALL="repo kubeadm plan apply node drain kubelet uncordon"
DEFAULT="repo kubeadm plan apply drain kubelet uncordon"
SECTIONS=${*:-$DEFAULT}
for section in $SECTIONS; do
  [[ " $ALL " == *" $section "* ]] || { echo "unknown section: $section (sections: $ALL)" >&2; exit 2; }
done
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want repo; then
# --8<-- [start:repo]
# pkgs.k8s.io has one repository per minor: switch the URL to the target minor.
sed -i -E "s#(pkgs\.k8s\.io/core:/stable:/)v[0-9]+\.[0-9]+/#\1v${K8S_MINOR}/#" "$APT_SOURCE"
cat "$APT_SOURCE"
apt-get update
apt-cache madison kubeadm
# --8<-- [end:repo]
fi

if want kubeadm; then
# --8<-- [start:kubeadm]
# kubeadm first: it is the tool that upgrades everything else.
apt-mark unhold kubeadm
apt-get install -y kubeadm="${K8S_PATCH}-*"
apt-mark hold kubeadm
kubeadm version -o short
# --8<-- [end:kubeadm]
fi

if want plan; then
# --8<-- [start:plan]
# Checks the cluster and lists what `apply` would change. Nothing is changed yet.
kubeadm upgrade plan
# --8<-- [end:plan]
fi

if want apply; then
# --8<-- [start:apply]
# First control plane node only: new static Pod manifests (API server, controller manager,
# scheduler, etcd), renewed certificates, then CoreDNS and kube-proxy.
kubeadm upgrade apply "v${K8S_PATCH}" --yes
# --8<-- [end:apply]
fi

if want node; then
# --8<-- [start:node]
# Every other control plane node: the same, for this node's static Pods and kubelet configuration.
kubeadm upgrade node
# --8<-- [end:node]
fi

if want drain; then
# --8<-- [start:drain]
kubectl drain "$NODE" --ignore-daemonsets
# --8<-- [end:drain]
fi

if want kubelet; then
# --8<-- [start:kubelet]
# kubeadm never upgrades the kubelet: install it (and kubectl) from the same repository.
apt-mark unhold kubelet kubectl
apt-get install -y kubelet="${K8S_PATCH}-*" kubectl="${K8S_PATCH}-*"
apt-mark hold kubelet kubectl
systemctl daemon-reload
systemctl restart kubelet
# --8<-- [end:kubelet]
fi

if want uncordon; then
# --8<-- [start:uncordon]
kubectl uncordon "$NODE"
kubectl get nodes
# --8<-- [end:uncordon]
fi
