#!/usr/bin/env bash
# Diagnose a worker node that is NotReady: from the Node object to the kubelet on the node.
# Page: docs/troubleshooting/worker-node-failure
# Runs on: two places, chosen with WHERE.
#   WHERE=cluster (default): lab cluster (binary and kind runtimes), with kubectl; NODE
#     names the node to inspect (node01 in the practice cluster).
#   WHERE=node: kubeadm node only, as root (on the practice cluster's real nodes, kubeadm or
#     kind runtime: ssh node01): sections kubelet,
#     kubelet-config, kubelet-certs, runtime and resources. Changes nothing; section restart
#     (restarts the kubelet) runs only with RESTART_KUBELET=yes.
set -euo pipefail

WHERE=${WHERE:-cluster}
NODE=${NODE:-node01}
KUBELET_CONFIG=${KUBELET_CONFIG:-/var/lib/kubelet/config.yaml}
KUBELET_PKI=${KUBELET_PKI:-/var/lib/kubelet/pki}
RESTART_KUBELET=${RESTART_KUBELET:-no}

if [[ "$WHERE" == cluster ]]; then
# --8<-- [start:nodes]
kubectl get nodes -o wide
# --8<-- [end:nodes]

# --8<-- [start:conditions]
# Every condition with its status and reason: Ready should be True, the pressures False.
kubectl get node "$NODE" \
  -o jsonpath='{range .status.conditions[*]}{.type}{"\t"}{.status}{"\t"}{.reason}{"\n"}{end}'
kubectl describe node "$NODE" | sed -n '/^Conditions:/,/^Addresses:/p'
# --8<-- [end:conditions]

# --8<-- [start:taints-lease]
# The node controller adds not-ready/unreachable taints; the kubelet renews its Lease
# in kube-node-lease about every 10 seconds while it is alive.
kubectl get node "$NODE" -o jsonpath='{range .spec.taints[*]}{.key}:{.effect}{"\n"}{end}'
kubectl get lease "$NODE" -n kube-node-lease \
  -o jsonpath='{.spec.holderIdentity}{" renewed "}{.spec.renewTime}{"\n"}'
# --8<-- [end:taints-lease]

# --8<-- [start:node-pods]
# What runs there: DaemonSet Pods (kube-proxy, CNI) must be Running on a healthy node.
kubectl get pods -A -o wide --field-selector spec.nodeName="$NODE"
# --8<-- [end:node-pods]
fi

if [[ "$WHERE" == node ]]; then
# --8<-- [start:kubelet]
# Is the kubelet running, and why did it stop? Read the newest lines of its log.
systemctl status kubelet --no-pager --lines=0 || true
journalctl -u kubelet --no-pager -n 30
# --8<-- [end:kubelet]

# --8<-- [start:kubelet-config]
# Where the kubelet reads its settings: the unit and its drop-ins (flags, --config path),
# the config file itself and kubeadm's extra flags.
systemctl cat kubelet --no-pager
grep -E '^(cgroupDriver|staticPodPath|clusterDNS|containerRuntimeEndpoint)' "$KUBELET_CONFIG" -A1
cat /var/lib/kubelet/kubeadm-flags.env
grep -E 'server:' /etc/kubernetes/kubelet.conf
# --8<-- [end:kubelet-config]

# --8<-- [start:kubelet-certs]
# The kubelet's client certificate (rotated by itself) and the CA it trusts.
ls -l "$KUBELET_PKI"
openssl x509 -in "$KUBELET_PKI/kubelet-client-current.pem" -noout -subject -issuer -enddate
# --8<-- [end:kubelet-certs]

# --8<-- [start:runtime]
# The container runtime: if containerd is down, the kubelet reports the node NotReady.
systemctl is-active containerd
crictl info >/dev/null && echo "CRI endpoint answers"
crictl ps --state running | head -n 5
# --8<-- [end:runtime]

# --8<-- [start:resources]
# The pressure conditions come from these numbers (see evictionHard in the kubelet config).
df -h /var/lib/kubelet /var/lib/containerd
grep -E '^(MemTotal|MemAvailable):' /proc/meminfo
# --8<-- [end:resources]

if [[ "$RESTART_KUBELET" == yes ]]; then
# --8<-- [start:restart]
# After fixing the configuration: reload units, start the kubelet now and at boot.
systemctl daemon-reload
systemctl enable --now kubelet
systemctl restart kubelet
systemctl is-active kubelet
# --8<-- [end:restart]
fi
fi
