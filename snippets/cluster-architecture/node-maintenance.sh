#!/usr/bin/env bash
# Take a worker out of service for maintenance and bring it back: cordon, drain, uncordon.
# Page: docs/cluster-architecture/node-maintenance
# Runs on: lab cluster (binary and kind runtimes); any shell whose kubectl reaches the cluster as an admin.
# Preconditions: the node exists; manifests/cluster-architecture/node-maintenance/ applied to see the effect.
# Usage: node-maintenance.sh [section ...]; sections run in file order, and no argument runs
# inspect, cordon, drain and uncordon, so the node ends schedulable again. pdb-block and pdb-allow
# (change the web PodDisruptionBudget of that folder) run only when named.
set -euo pipefail

NODE=${NODE:-node01}
# How long drain may wait for evictions (a PodDisruptionBudget can hold it forever); 0s waits forever.
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-120s}
# The PodDisruptionBudget that pdb-block and pdb-allow change, and its namespace.
PDB=${PDB:-web}
PDB_NAMESPACE=${PDB_NAMESPACE:-default}

ALL="inspect pdb-block pdb-allow cordon drain uncordon"
DEFAULT="inspect cordon drain uncordon"
SECTIONS=${*:-$DEFAULT}
for section in $SECTIONS; do
  [[ " $ALL " == *" $section "* ]] || { echo "unknown section: $section (sections: $ALL)" >&2; exit 2; }
done
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want inspect; then
# --8<-- [start:inspect]
# Which Pods run on the node, and which budgets could hold up a drain?
kubectl get pods --all-namespaces --field-selector spec.nodeName="$NODE" -o wide
kubectl get poddisruptionbudgets --all-namespaces
# --8<-- [end:inspect]
fi

if want pdb-block; then
# --8<-- [start:pdb-block]
# Allow no voluntary disruption at all: every eviction of a web Pod is refused.
kubectl -n "$PDB_NAMESPACE" patch poddisruptionbudget "$PDB" --type=merge -p '{"spec":{"maxUnavailable":0}}'
# --8<-- [end:pdb-block]
fi

if want pdb-allow; then
# --8<-- [start:pdb-allow]
# Back to the manifest's budget: one web Pod may be down at a time.
kubectl -n "$PDB_NAMESPACE" patch poddisruptionbudget "$PDB" --type=merge -p '{"spec":{"maxUnavailable":1}}'
kubectl -n "$PDB_NAMESPACE" get poddisruptionbudget "$PDB"
# --8<-- [end:pdb-allow]
fi

if want cordon; then
# --8<-- [start:cordon]
# Mark the node unschedulable: running Pods stay, new Pods go elsewhere.
kubectl cordon "$NODE"
kubectl get node "$NODE"
# --8<-- [end:cordon]
fi

if want drain; then
# --8<-- [start:drain]
# Cordon (if not yet) and evict every Pod that a controller will recreate elsewhere.
kubectl drain "$NODE" --ignore-daemonsets --timeout="$DRAIN_TIMEOUT"
# --8<-- [end:drain]
fi

if want uncordon; then
# --8<-- [start:uncordon]
# Maintenance done: let the scheduler use the node again.
kubectl uncordon "$NODE"
kubectl get node "$NODE"
# --8<-- [end:uncordon]
fi
