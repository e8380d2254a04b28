#!/usr/bin/env bash
# Scheduling and admission: QoS classes, a ResourceQuota and a LimitRange at work, node labels,
# a taint that keeps a Pod Pending and its FailedScheduling event, removing the taint, priority.
# Page: docs/workloads-scheduling/scheduling
# Runs on: lab cluster (binary and kind runtimes), as a cluster admin.
# Usage: scheduling.sh [section ...]; sections run in file order. Sections need
#   manifests/workloads-scheduling/scheduling/ applied in $NAMESPACE: qos and quota need the
#   LimitRange, the ResourceQuota and the two QoS Pods; events needs pod-untolerated.yaml.
#   label-node and taint change node02 and node01; unlabel-node and untaint undo them.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
NODE=${NODE:-node01}
LABEL_NODE=${LABEL_NODE:-node02}

ALL="qos quota label-node taint events untaint unlabel-node control-plane-taint priority"
# No argument: only the sections that change nothing.
DEFAULT="control-plane-taint"
SECTIONS=${*:-$DEFAULT}
for section in $SECTIONS; do
  [[ " $ALL " == *" $section "* ]] || { echo "unknown section: $section (sections: $ALL)" >&2; exit 2; }
done
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want qos; then
# --8<-- [start:qos]
# The QoS class that requests and limits gave each Pod, and the resources they ended up with.
kubectl get pods -n "$NAMESPACE" \
  -o custom-columns=NAME:.metadata.name,QOS:.status.qosClass,REQUESTS:.spec.containers[0].resources.requests,LIMITS:.spec.containers[0].resources.limits
# --8<-- [end:qos]
fi

if want quota; then
# --8<-- [start:quota]
# What the quota allows and what the admitted Pods already use.
kubectl describe resourcequota team-quota -n "$NAMESPACE"
kubectl describe limitrange container-defaults -n "$NAMESPACE"
# --8<-- [end:quota]
fi

if want label-node; then
# --8<-- [start:label-node]
kubectl label node "$LABEL_NODE" storage=ssd
kubectl get nodes -L storage
# --8<-- [end:label-node]
fi

if want unlabel-node; then
# --8<-- [start:unlabel-node]
kubectl label node "$LABEL_NODE" storage-
# --8<-- [end:unlabel-node]
fi

if want taint; then
# --8<-- [start:taint]
# key=value:effect. Every Pod that does not tolerate it stays off the node.
kubectl taint node "$NODE" dedicated=batch:NoSchedule
kubectl describe node "$NODE" | grep -A2 Taints
# --8<-- [end:taint]
fi

if want events; then
# --8<-- [start:events]
# Why a Pod is Pending: the scheduler's FailedScheduling event, node by node.
kubectl get pod no-toleration -n "$NAMESPACE" -o wide
kubectl get events -n "$NAMESPACE" --field-selector reason=FailedScheduling,involvedObject.name=no-toleration \
  -o custom-columns=OBJECT:.involvedObject.name,MESSAGE:.message
# --8<-- [end:events]
fi

if want untaint; then
# --8<-- [start:untaint]
# The same key (and effect) with a trailing minus removes the taint.
kubectl taint node "$NODE" dedicated=batch:NoSchedule-
kubectl describe node "$NODE" | grep Taints
# --8<-- [end:untaint]
fi

if want control-plane-taint; then
# --8<-- [start:control-plane-taint]
# kubeadm taints its control plane nodes so that ordinary Pods stay off them.
kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints
# --8<-- [end:control-plane-taint]
fi

if want priority; then
# --8<-- [start:priority]
kubectl get priorityclasses
kubectl get pod important -n "$NAMESPACE" \
  -o custom-columns=NAME:.metadata.name,CLASS:.spec.priorityClassName,PRIORITY:.spec.priority
# --8<-- [end:priority]
fi
