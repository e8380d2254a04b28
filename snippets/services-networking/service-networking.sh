#!/usr/bin/env bash
# Expose a Deployment as Services, read the EndpointSlices, and find how kube-proxy works.
# Page: docs/services-networking/service-networking
# Runs on: lab cluster (binary and kind runtimes). Creates its own Deployment and Services in
#   $NAMESPACE and deletes them at the end. Section kube-proxy-mode needs kube-proxy's ConfigMap
#   (kind, kubeadm) and is skipped without it. Section node-rules reads a node's NAT rules: it
#   runs only with ON_NODE=yes, as root on a node (ssh node01 on the practice cluster's real
#   nodes, kubeadm or kind runtime, or any kubeadm node).
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
APP=${APP:-shop}
IMAGE=${IMAGE:-nginxinc/nginx-unprivileged:1.27.3}
NODE_PORT=${NODE_PORT:-30181}
ON_NODE=${ON_NODE:-no}

cleanup() {
  kubectl -n "$NAMESPACE" delete service "$APP" "$APP-svc" --ignore-not-found
  kubectl -n "$NAMESPACE" delete deployment "$APP" --ignore-not-found --wait=false
}
trap cleanup EXIT

# --8<-- [start:expose]
kubectl -n "$NAMESPACE" create deployment "$APP" --image="$IMAGE" --replicas=2 --port=8080
kubectl -n "$NAMESPACE" rollout status deployment "$APP" --timeout=120s
# ClusterIP (the default type): port 80 on the Service, 8080 in the Pods.
kubectl -n "$NAMESPACE" expose deployment "$APP" --name="$APP-svc" --port=80 --target-port=8080
# NodePort with a chosen port: kubectl create service selects app=<name>.
kubectl -n "$NAMESPACE" create service nodeport "$APP" --tcp=80:8080 --node-port="$NODE_PORT"
# --8<-- [end:expose]

# --8<-- [start:dry-run]
# Print a LoadBalancer Service without creating it: a quick start for a manifest.
kubectl -n "$NAMESPACE" expose deployment "$APP" --name="$APP-lb" --type=LoadBalancer \
  --port=80 --target-port=8080 --dry-run=client -o yaml
# --8<-- [end:dry-run]

# --8<-- [start:inspect]
kubectl -n "$NAMESPACE" get services -o wide
# One EndpointSlice per Service (per address family), found by the service-name label.
kubectl -n "$NAMESPACE" get endpointslices -l kubernetes.io/service-name="$APP-svc"
kubectl -n "$NAMESPACE" describe service "$APP-svc"
# --8<-- [end:inspect]

# --8<-- [start:endpoints-deprecated]
# The old Endpoints API still answers, with a deprecation warning on stderr.
kubectl -n "$NAMESPACE" get endpoints "$APP-svc"
# --8<-- [end:endpoints-deprecated]

if kubectl -n kube-system get configmap kube-proxy >/dev/null 2>&1; then
# --8<-- [start:kube-proxy-mode]
# mode: "" means the default, iptables, on Linux.
kubectl -n kube-system get configmap kube-proxy -o jsonpath='{.data.config\.conf}' | grep -E '^mode:'
kubectl -n kube-system get pods -l k8s-app=kube-proxy -o wide
# --8<-- [end:kube-proxy-mode]
fi

if [[ "$ON_NODE" == yes ]]; then
# --8<-- [start:node-rules]
# iptables mode: Service VIPs in KUBE-SERVICES, node ports in KUBE-NODEPORTS.
# sed, not head: it reads to the end, so iptables never meets a closed pipe (SIGPIPE).
iptables -t nat -L KUBE-SERVICES -n | sed -n '1,20p'
iptables -t nat -L KUBE-NODEPORTS -n
# nftables mode keeps everything in one table instead.
nft list table ip kube-proxy 2>/dev/null | head -n 40 || true
# --8<-- [end:node-rules]
fi
