#!/usr/bin/env bash
# NetworkPolicies: the namespace label that namespaceSelector matches, how kubectl describe
# shows AND versus OR, and (where policies are enforced) real traffic from allowed and
# denied Pods with busybox wget.
# Page: docs/services-networking/network-policies
# Runs on: lab cluster, as a cluster admin; needs manifests/services-networking/network-policies/
#   applied in $NAMESPACE. The traffic sections run only with CONTAINERS_RUN=yes: they need
#   running containers and NetworkPolicy enforcement, as on the real nodes of the kubeadm
#   runtime (kube-network-policies) or the kind runtime (kindnet, since kind v0.24). They create
#   the namespace monitoring only if it does not exist, and delete what they created on exit.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
CONTAINERS_RUN=${CONTAINERS_RUN:-no}
MONITORING_NS=monitoring       # the name allow-from-monitoring.yaml selects
CREATED_MONITORING_NS=no

cleanup() {
  if [[ $CREATED_MONITORING_NS == yes ]]; then
    kubectl delete namespace "$MONITORING_NS" --wait=false >/dev/null 2>&1 || true
  fi
  kubectl label pod frontend -n "$NAMESPACE" role=frontend --overwrite >/dev/null 2>&1 || true
}
trap cleanup EXIT

# --8<-- [start:namespace-labels]
# Every Namespace carries kubernetes.io/metadata.name=<its name>, set by the API server.
kubectl get namespace kube-system --show-labels
# The cluster DNS Pods, which the egress rule selects with k8s-app=kube-dns.
kubectl get pods -n kube-system -l k8s-app=kube-dns -o wide
# --8<-- [end:namespace-labels]

# --8<-- [start:inspect]
kubectl get networkpolicies -n "$NAMESPACE"
# AND (one peer with two selectors) and OR (two peers) look different in describe.
kubectl describe networkpolicy allow-from-monitoring -n "$NAMESPACE"
kubectl describe networkpolicy allow-from-monitoring-or -n "$NAMESPACE"
# --8<-- [end:inspect]

# --8<-- [start:pods-and-labels]
# Policies follow labels: check them before you write a selector.
kubectl get pods -n "$NAMESPACE" --show-labels
# --8<-- [end:pods-and-labels]

if [[ $CONTAINERS_RUN == yes ]]; then
kubectl wait pod/backend pod/frontend -n "$NAMESPACE" --for=condition=Ready --timeout=180s

# --8<-- [start:test-allowed]
# frontend -> backend: allowed by allow-from-frontend (ingress) and frontend-egress (DNS, 8080).
kubectl exec -n "$NAMESPACE" frontend -- wget -qO- -T 3 http://backend:8080
# --8<-- [end:test-allowed]

# --8<-- [start:test-label-removed]
# Without role=frontend the Pod matches no allow rule: default-deny-ingress drops it.
kubectl label pod frontend -n "$NAMESPACE" role-
kubectl exec -n "$NAMESPACE" frontend -- wget -qO- -T 3 http://backend:8080 \
  || echo "no answer: denied"
kubectl label pod frontend -n "$NAMESPACE" role=frontend
# --8<-- [end:test-label-removed]

if ! kubectl get namespace "$MONITORING_NS" >/dev/null 2>&1; then
  kubectl create namespace "$MONITORING_NS"
  CREATED_MONITORING_NS=yes
fi
# --8<-- [start:test-namespace]
# From another namespace: only app=prometheus in monitoring passes (namespace AND pod).
kubectl run prometheus -n monitoring --image=busybox:1.37.0 --labels=app=prometheus \
  --restart=Never -- sleep 3600
kubectl run other -n monitoring --image=busybox:1.37.0 --labels=app=other \
  --restart=Never -- sleep 3600
kubectl wait pod/prometheus pod/other -n monitoring --for=condition=Ready --timeout=180s
kubectl exec -n monitoring prometheus -- \
  wget -qO- -T 3 "http://backend.$NAMESPACE.svc.cluster.local:8080"
kubectl exec -n monitoring other -- \
  wget -qO- -T 3 "http://backend.$NAMESPACE.svc.cluster.local:8080" || echo "no answer: denied"
kubectl delete pod prometheus other -n monitoring --now
# --8<-- [end:test-namespace]
fi
