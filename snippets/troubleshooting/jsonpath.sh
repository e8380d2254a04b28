#!/usr/bin/env bash
# Query the cluster with JSONPath, custom columns and --sort-by, and save answers to files
# the way exam tasks ask for them.
# Page: docs/troubleshooting/jsonpath
# Runs on: lab cluster (binary and kind runtimes), nodes controlplane, node01 and node02.
#   Reads only. Writes its files into a temporary directory and removes it at the end.
#   Section check fails unless the file of node names is sorted and holds every name in
#   EXPECT_NODES (set EXPECT_NODES="" to skip it on another cluster).
set -euo pipefail

OUT_DIR=${OUT_DIR:-$(mktemp -d)}
EXPECT_NODES=${EXPECT_NODES-controlplane node01 node02}
trap 'rm -rf "$OUT_DIR"' EXIT

# --8<-- [start:node-ips]
# The InternalIP of every node, on one line: a filter [?()] inside the path.
kubectl get nodes -o jsonpath='{.items[*].status.addresses[?(@.type=="InternalIP")].address}{"\n"}'
# --8<-- [end:node-ips]

# --8<-- [start:node-names]
kubectl get nodes -o jsonpath='{.items[*].metadata.name}{"\n"}'
kubectl get nodes -o jsonpath='{.items[0].status.nodeInfo.kubeletVersion}{"\n"}'
# --8<-- [end:node-names]

# --8<-- [start:range]
# One line per node: {range} ... {end} repeats the template for every item.
kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.status.capacity.cpu}{"\t"}{.spec.taints[*].key}{"\n"}{end}'
# --8<-- [end:range]

# --8<-- [start:images]
# Every image used by Pods in every namespace, once each.
kubectl get pods -A -o jsonpath='{.items[*].spec.containers[*].image}' | tr ' ' '\n' | sort -u
# --8<-- [end:images]

# --8<-- [start:sort-by]
# --sort-by takes a JSONPath expression (no {range}); the sort is ascending.
kubectl get nodes --sort-by=.metadata.name
kubectl get pods -A --sort-by=.metadata.creationTimestamp | tail -n 3
# --8<-- [end:sort-by]

# --8<-- [start:custom-columns]
# Named columns, each a JSONPath without the braces.
kubectl get nodes -o custom-columns=NODE:.metadata.name,CPU:.status.capacity.cpu,VERSION:.status.nodeInfo.kubeletVersion
# The first three rows: sed reads to the end, where head would stop kubectl mid-write (SIGPIPE,
# a failure under `set -o pipefail`).
kubectl get pods -n kube-system --sort-by=.metadata.name \
  -o custom-columns=POD:.metadata.name,NODE:.spec.nodeName --no-headers | sed -n '1,3p'
# --8<-- [end:custom-columns]

# --8<-- [start:kubeconfig]
# The same syntax works on the kubeconfig.
kubectl config view -o jsonpath='{.contexts[*].name}{"\n"}'
kubectl config view -o jsonpath='{.current-context}{"\n"}'
# --8<-- [end:kubeconfig]

# --8<-- [start:write-file]
# Exam tasks often say "write the result to /opt/.../file.txt": redirect, then look.
kubectl get nodes --sort-by=.metadata.name \
  -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' > "$OUT_DIR/node-names.txt"
cat "$OUT_DIR/node-names.txt"
# --8<-- [end:write-file]

# --8<-- [start:check]
# The practice cluster has these three nodes: the file must be sorted and hold each of them.
if [[ -n "$EXPECT_NODES" ]]; then
  sort -c "$OUT_DIR/node-names.txt"
  read -r -a expected <<<"$EXPECT_NODES"
  for name in "${expected[@]}"; do
    grep -qx "$name" "$OUT_DIR/node-names.txt" || { echo "$name is missing from node-names.txt" >&2; exit 1; }
  done
  echo "node-names.txt is sorted and holds: ${expected[*]}"
fi
# --8<-- [end:check]
