#!/usr/bin/env bash
# Read resource usage through the metrics API: kubectl top for nodes and Pods, sorted, filtered,
# per container, the heaviest Pod written to a file; requests next to usage.
# Page: docs/troubleshooting/resource-monitoring
# Runs on: two places, chosen with WHERE.
#   WHERE=cluster (default): lab cluster with metrics-server (binary runtime: scripts/cluster.py
#     starts it, and kwok reports the usage that the Pods' kwok.x-k8s.io/usage-* annotations ask
#     for; kubeadm runtime: metrics-server installed, real usage), with
#     manifests/troubleshooting/resource-monitoring/ applied in $NAMESPACE.
#   WHERE=node: kubeadm node only, as root (on the practice cluster's real nodes, kubeadm or
#     kind runtime: ssh node01): the node sections.
# Writes only $OUT_DIR/heaviest-cpu.txt (a temporary directory by default, removed at the end).
set -euo pipefail

WHERE=${WHERE:-cluster}
NAMESPACE=${NAMESPACE:-default}
NODE=${NODE:-node01}
OUT_DIR=${OUT_DIR:-$(mktemp -d)}

if [[ "$WHERE" == cluster ]]; then
# --8<-- [start:metrics-api]
# metrics-server registers the metrics.k8s.io API with the API server (an APIService).
kubectl get apiservice v1beta1.metrics.k8s.io
kubectl api-resources --api-group=metrics.k8s.io
# --8<-- [end:metrics-api]

# --8<-- [start:top-node]
kubectl top node
kubectl top node --sort-by=cpu --no-headers | sed -n 1p
# --8<-- [end:top-node]

# --8<-- [start:top-pod]
kubectl top pod -n "$NAMESPACE"
# One line per container, and only the Pods of a label selector.
kubectl top pod -n "$NAMESPACE" --containers -l tier=batch
# Across all namespaces, heaviest memory first.
kubectl top pod -A --sort-by=memory | sed -n '1,4p'
# --8<-- [end:top-pod]

# --8<-- [start:heaviest]
# The name of the Pod that uses the most CPU in a namespace, alone, in a file.
kubectl top pod -n "$NAMESPACE" --sort-by=cpu --no-headers | awk 'NR == 1 {print $1}' \
  > "$OUT_DIR/heaviest-cpu.txt"
cat "$OUT_DIR/heaviest-cpu.txt"
# --8<-- [end:heaviest]

# --8<-- [start:raw]
# kubectl top reads these objects; the raw API gives the numbers in nanocores and KiB.
kubectl get --raw "/apis/metrics.k8s.io/v1beta1/namespaces/$NAMESPACE/pods/cpu-hog" \
  | tr ',' '\n' | grep -E '"(name|cpu|memory)"'
# --8<-- [end:raw]

# --8<-- [start:requests]
# What the Pods reserve (requests) is not what they use (kubectl top).
kubectl get pods -n "$NAMESPACE" \
  -o custom-columns='NAME:.metadata.name,CPU_REQ:.spec.containers[*].resources.requests.cpu,MEM_REQ:.spec.containers[*].resources.requests.memory'
# The scheduler's view of a node: the sum of the requests of its Pods.
kubectl describe node "$NODE" | sed -n '/^Allocated resources:/,/^Events:/p'
# --8<-- [end:requests]
rm -rf "$OUT_DIR"
fi

if [[ "$WHERE" == node ]]; then
# --8<-- [start:node]
# On the node: the container runtime's own numbers, without metrics-server or the API server.
crictl stats | sed -n '1,5p'
# Where the node keeps logs: containers under /var/log/pods, the kubelet in journald.
find /var/log/pods -mindepth 1 -maxdepth 1 | sed -n '1,5p'
journalctl -u kubelet --no-pager -n 3
# --8<-- [end:node]
fi
