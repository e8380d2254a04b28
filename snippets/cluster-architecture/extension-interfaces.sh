#!/usr/bin/env bash
# CRI, CNI and CSI seen from the API and from a node: which runtime each node reports, which
# CSI drivers are registered, and where a node keeps its runtime socket, CNI configuration and
# CNI binaries.
# Page: docs/cluster-architecture/extension-interfaces
# Runs on: two places, chosen with WHERE.
#   WHERE=cluster (default): lab cluster (binary and kind runtimes), with kubectl; only reads.
#   WHERE=node: kubeadm node only, as root (on the practice cluster's real nodes, kubeadm or kind
#     runtime: ssh node01 'WHERE=node bash -s' < this file): sections runtime-endpoint, crictl,
#     cni-files. Only reads.
set -euo pipefail

WHERE=${WHERE:-cluster}
KUBELET_CONFIG=${KUBELET_CONFIG:-/var/lib/kubelet/config.yaml}

if [[ "$WHERE" == cluster ]]; then
# --8<-- [start:runtime-version]
# CRI: the runtime and its version, as each kubelet reports it.
kubectl get nodes -o wide | awk '{print $1, $(NF)}'
kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.status.nodeInfo.containerRuntimeVersion}{"\n"}{end}'
# --8<-- [end:runtime-version]

# --8<-- [start:csi-objects]
# CSI: drivers register a CSIDriver object (cluster-wide) and appear in each node's CSINode.
kubectl get csidrivers
kubectl get csinodes
kubectl api-resources --api-group=storage.k8s.io
# --8<-- [end:csi-objects]
fi

if [[ "$WHERE" == node ]]; then
# --8<-- [start:runtime-endpoint]
# Which socket does the kubelet talk to? The kubelet configuration says it.
grep -E '^containerRuntimeEndpoint' "$KUBELET_CONFIG" || true
cat /var/lib/kubelet/kubeadm-flags.env 2>/dev/null || true
ls -l /run/containerd/containerd.sock
cat /etc/crictl.yaml 2>/dev/null || true
# --8<-- [end:runtime-endpoint]

# --8<-- [start:crictl]
# crictl speaks CRI to that socket, the same API the kubelet uses.
crictl --runtime-endpoint unix:///run/containerd/containerd.sock version
crictl info | grep -E '"(confDir|binDir|binDirs)"' -A1 | sed -n '1,8p'
crictl pods --namespace kube-system | sed -n '1,5p'
# --8<-- [end:crictl]

# --8<-- [start:cni-files]
# CNI: the runtime reads the first configuration file (in name order) and runs the binaries.
ls /etc/cni/net.d/
CONFS=(/etc/cni/net.d/*)
head -n 20 "${CONFS[0]}"
ls /opt/cni/bin/
# --8<-- [end:cni-files]
fi
