#!/usr/bin/env bash
# Inspect the cluster DNS (CoreDNS) and resolve Service and Pod names from inside a Pod.
# Page: docs/services-networking/dns
# Runs on: lab cluster. Sections coredns-objects, corefile and lookups need CoreDNS in
#   kube-system (the kubeadm and kind runtimes, kubeadm clusters) and are skipped without it;
#   lookups also needs real containers, as kubectl exec runs inside the Pod. Section kubelet-dns
#   reads the kubelet's configuration file on a node (ssh node01 on the practice cluster's real
#   nodes, or any kubeadm node) and is skipped where that file is absent. Section
#   headless-hostname needs manifests/services-networking/dns/ applied in $NAMESPACE and is
#   skipped without Service db. The lookups section creates Deployment and Service hello and Pod
#   dnsutils in $NAMESPACE, and deletes them.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
DNSUTILS_IMAGE=${DNSUTILS_IMAGE:-registry.k8s.io/e2e-test-images/jessie-dnsutils:1.3}
WEB_IMAGE=${WEB_IMAGE:-nginxinc/nginx-unprivileged:1.27.3}
KUBELET_CONFIG=${KUBELET_CONFIG:-/var/lib/kubelet/config.yaml}

cleanup() {
  kubectl -n "$NAMESPACE" delete pod dnsutils --ignore-not-found --wait=false
  kubectl -n "$NAMESPACE" delete service hello --ignore-not-found
  kubectl -n "$NAMESPACE" delete deployment hello --ignore-not-found --wait=false
}
trap cleanup EXIT

have_coredns() {
  kubectl -n kube-system get deployment coredns >/dev/null 2>&1
}

if have_coredns; then
# --8<-- [start:coredns-objects]
# CoreDNS runs as Deployment coredns behind a Service still called kube-dns.
kubectl -n kube-system get deployment coredns
kubectl -n kube-system get service kube-dns
kubectl -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns
# --8<-- [end:coredns-objects]

# --8<-- [start:corefile]
kubectl -n kube-system get configmap coredns -o jsonpath='{.data.Corefile}'
# --8<-- [end:corefile]
fi

if [[ -f "$KUBELET_CONFIG" ]]; then
# --8<-- [start:kubelet-dns]
# The kubelet writes these into every Pod's /etc/resolv.conf (dnsPolicy ClusterFirst).
grep -A1 -E '^(clusterDNS|clusterDomain):' "$KUBELET_CONFIG"
# --8<-- [end:kubelet-dns]
fi

if kubectl -n "$NAMESPACE" get service db >/dev/null 2>&1; then
# --8<-- [start:headless-hostname]
# The EndpointSlice of headless Service db names each Pod whose subdomain is db.
kubectl -n "$NAMESPACE" get endpointslices -l kubernetes.io/service-name=db \
  -o jsonpath='{range .items[*].endpoints[*]}{.hostname}{"\t"}{.addresses[0]}{"\n"}{end}'
# --8<-- [end:headless-hostname]
fi

if have_coredns; then
# --8<-- [start:lookups]
kubectl -n "$NAMESPACE" create deployment hello --image="$WEB_IMAGE" --port=8080
kubectl -n "$NAMESPACE" expose deployment hello --port=80 --target-port=8080
kubectl -n "$NAMESPACE" run dnsutils --image="$DNSUTILS_IMAGE" --restart=Never --command -- sleep 3600
kubectl -n "$NAMESPACE" wait --for=condition=Ready pod/dnsutils --timeout=180s
kubectl -n "$NAMESPACE" exec dnsutils -- cat /etc/resolv.conf
# Short name, name.namespace, and the fully qualified name all find the Service.
kubectl -n "$NAMESPACE" exec dnsutils -- nslookup hello
kubectl -n "$NAMESPACE" exec dnsutils -- nslookup "hello.$NAMESPACE"
kubectl -n "$NAMESPACE" exec dnsutils -- nslookup "hello.$NAMESPACE.svc.cluster.local"
kubectl -n "$NAMESPACE" exec dnsutils -- nslookup kubernetes.default
# A Pod's own A record: its IP with dashes, under <namespace>.pod.cluster.local.
pod_ip=$(kubectl -n "$NAMESPACE" get pod dnsutils -o jsonpath='{.status.podIP}')
kubectl -n "$NAMESPACE" exec dnsutils -- nslookup "${pod_ip//./-}.$NAMESPACE.pod.cluster.local"
# --8<-- [end:lookups]

# --8<-- [start:coredns-logs]
kubectl -n kube-system logs -l k8s-app=kube-dns --tail=20
# --8<-- [end:coredns-logs]
fi
