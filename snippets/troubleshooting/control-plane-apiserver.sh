#!/usr/bin/env bash
# Find and fix a kube-apiserver static Pod that cannot reach etcd (kubeadm layout): a wrong
# --etcd-servers, or a wrong etcd client certificate path.
# Page: docs/troubleshooting/control-plane-failure
# Runs on: kubeadm control plane node only (on the practice cluster's real nodes, kubeadm or
#   kind runtime: ssh controlplane), as root, while the API server is down. Point MANIFESTS_DIR
#   at a copy to try the file steps elsewhere (the lab runs the fix sections on copies of the
#   page's broken manifests).
# Changes something only in sections fix-etcd-servers and fix-etcd-cert (each corrects one flag of
# $MANIFESTS_DIR/kube-apiserver.yaml back to the kubeadm value).
set -euo pipefail

MANIFESTS_DIR=${MANIFESTS_DIR:-/etc/kubernetes/manifests}
PKI_DIR=${PKI_DIR:-/etc/kubernetes/pki}
# An edited manifest is written here first, then moved in (same filesystem, outside the directory).
EDIT_DIR=${EDIT_DIR:-$(dirname "$MANIFESTS_DIR")}
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
STEP=${STEP:-all}

step() { [[ "$STEP" == all || "$STEP" == "$1" ]]; }

if step diagnose; then
# --8<-- [start:symptom]
# From anywhere: the API server does not answer.
kubectl get nodes 2>&1 | tail -n 1 || true
# --8<-- [end:symptom]

# --8<-- [start:crictl]
# On the control plane node: the container exits and is started again and again.
crictl ps -a --name kube-apiserver
# The last lines of the newest attempt (running or exited).
crictl logs --tail=15 "$(crictl ps -a --name kube-apiserver -q | sed -n 1p)" 2>&1
# The same output stays in the Pod's log files, one per attempt.
ls /var/log/pods/kube-system_kube-apiserver-*/kube-apiserver/
# --8<-- [end:crictl]

# --8<-- [start:etcd-flags]
# What the API server uses to reach etcd, and what etcd actually offers.
grep -E -- '--etcd-(servers|cafile|certfile|keyfile)' "$MANIFESTS_DIR/kube-apiserver.yaml"
grep -E -- '--(listen-client-urls|advertise-client-urls|trusted-ca-file)' "$MANIFESTS_DIR/etcd.yaml"
ls "$PKI_DIR"/apiserver-etcd-client.* "$PKI_DIR"/etcd/
# --8<-- [end:etcd-flags]
fi

if step fix-etcd-servers; then
# --8<-- [start:fix-etcd-servers]
# etcd serves clients on 2379; 2380 is for its peers.
sed 's#--etcd-servers=https://127.0.0.1:2380$#--etcd-servers=https://127.0.0.1:2379#' \
  "$MANIFESTS_DIR/kube-apiserver.yaml" > "$EDIT_DIR/kube-apiserver.yaml.new"
mv "$EDIT_DIR/kube-apiserver.yaml.new" "$MANIFESTS_DIR/kube-apiserver.yaml"
grep -n -- '--etcd-servers' "$MANIFESTS_DIR/kube-apiserver.yaml"
# --8<-- [end:fix-etcd-servers]
fi

if step fix-etcd-cert; then
# --8<-- [start:fix-etcd-cert]
# kubeadm keeps the API server's etcd client certificate in pki/, not in pki/etcd/.
sed 's#--etcd-certfile=/etc/kubernetes/pki/etcd/apiserver-etcd-client.crt$#--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt#' \
  "$MANIFESTS_DIR/kube-apiserver.yaml" > "$EDIT_DIR/kube-apiserver.yaml.new"
mv "$EDIT_DIR/kube-apiserver.yaml.new" "$MANIFESTS_DIR/kube-apiserver.yaml"
grep -n -- '--etcd-certfile' "$MANIFESTS_DIR/kube-apiserver.yaml"
# --8<-- [end:fix-etcd-cert]
fi

if step wait; then
# --8<-- [start:wait]
# The kubelet notices the new file by itself. Wait for the API server instead of editing again.
for _ in $(seq 1 60); do
  if kubectl get --raw='/readyz' >/dev/null 2>&1; then echo "API server ready"; break; fi
  sleep 5
done
crictl ps --name kube-apiserver
kubectl get pods -n kube-system -l component=kube-apiserver
# --8<-- [end:wait]
fi
