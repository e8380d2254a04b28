#!/usr/bin/env bash
# Read container output streams with kubectl logs, from a logging sidecar, and on the node.
# Page: docs/troubleshooting/container-logs
# Runs on: two places, chosen with WHERE.
#   WHERE=cluster (default): real nodes only, the kubeadm or kind runtime (containers must really
#     run and write logs), with manifests/troubleshooting/container-logs/ applied in $NAMESPACE.
#     On the binary runtime the nodes are simulated and kubectl logs has nothing to read.
#   WHERE=node: kubeadm node only, as root (on the practice cluster's real nodes: ssh node01):
#     the node sections.
# Changes nothing.
set -euo pipefail

WHERE=${WHERE:-cluster}
NAMESPACE=${NAMESPACE:-default}

if [[ "$WHERE" == cluster ]]; then
# --8<-- [start:containers]
# A Pod with several containers needs -c, or --all-containers.
kubectl -n "$NAMESPACE" get pod two-writers -o jsonpath='{.spec.containers[*].name}{"\n"}'
kubectl -n "$NAMESPACE" logs two-writers -c api --tail=3
kubectl -n "$NAMESPACE" logs two-writers --all-containers --prefix --tail=2
# --8<-- [end:containers]

# --8<-- [start:window]
# Only recent output: the last N lines, the last minute, with the runtime's timestamps.
kubectl -n "$NAMESPACE" logs two-writers -c worker --since=1m --timestamps | tail -n 2
# stderr and stdout share one log: filter stderr lines with grep, not with a kubectl flag.
kubectl -n "$NAMESPACE" logs two-writers -c worker | grep -c error
# --8<-- [end:window]

# --8<-- [start:follow]
# -f streams new lines until interrupted; timeout stands in for Ctrl+C here.
timeout 5 kubectl -n "$NAMESPACE" logs -f two-writers -c api --tail=1 || true
# --8<-- [end:follow]

# --8<-- [start:previous]
# After a restart the current log starts empty; --previous shows the run that died.
kubectl -n "$NAMESPACE" get pod crasher \
  -o jsonpath='{.status.containerStatuses[0].restartCount}{" "}{.status.containerStatuses[0].lastState.terminated.exitCode}{"\n"}'
kubectl -n "$NAMESPACE" logs crasher --previous
# --8<-- [end:previous]

# --8<-- [start:selector]
# Every Pod of a label selector at once; --prefix names the Pod and container of each line.
kubectl -n "$NAMESPACE" logs -l app=web-logs --prefix --tail=1
# A Deployment (or Job, StatefulSet) name picks one of its Pods.
kubectl -n "$NAMESPACE" logs deployment/web-logs --tail=1
# --8<-- [end:selector]

# --8<-- [start:sidecar]
# The application writes a file, not stdout: its own log is empty, the sidecar's has the lines.
kubectl -n "$NAMESPACE" logs app-classic -c app | wc -l
kubectl -n "$NAMESPACE" logs app-classic -c log-streamer --tail=2
# A native sidecar is an init container; kubectl logs -c reads it the same way.
kubectl -n "$NAMESPACE" get pod app-native \
  -o jsonpath='{.spec.initContainers[0].name}{" restartPolicy="}{.spec.initContainers[0].restartPolicy}{" started="}{.status.initContainerStatuses[0].started}{"\n"}'
kubectl -n "$NAMESPACE" logs app-native -c log-streamer --tail=2
# --8<-- [end:sidecar]
fi

if [[ "$WHERE" == node ]]; then
# --8<-- [start:node-files]
# The kubelet keeps container logs under /var/log/pods/<namespace>_<pod>_<uid>/<container>/N.log
# (N counts restarts); /var/log/containers/ holds one symbolic link per container.
ls -d /var/log/pods/"${NAMESPACE}"_*
ls -l /var/log/containers/*_"${NAMESPACE}"_*
tail -n 2 /var/log/pods/"${NAMESPACE}"_two-writers_*/api/0.log
# --8<-- [end:node-files]

# --8<-- [start:crictl]
# The container runtime reads the same files; this works when the API server is down.
crictl ps --name log-streamer
crictl logs --tail=2 "$(crictl ps --name '^api$' -q | sed -n 1p)"
# --8<-- [end:crictl]

# --8<-- [start:journald]
# The kubelet and containerd are systemd services: their own logs are in journald.
journalctl -u kubelet --no-pager -n 5
journalctl -u containerd --no-pager -n 3 --since "-1h" || true
# --8<-- [end:journald]
fi
