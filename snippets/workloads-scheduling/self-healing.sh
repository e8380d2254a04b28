#!/usr/bin/env bash
# Self-healing: what probes report, a ReplicaSet replacing a deleted Pod, a StatefulSet Pod that
# comes back with its name and claim, Jobs and CronJobs, a native sidecar's log stream.
# Page: docs/workloads-scheduling/self-healing
# Runs on: lab cluster (binary and kind runtimes), as a cluster admin.
# Usage: self-healing.sh [section ...]; sections run in file order. Needs
#   manifests/workloads-scheduling/self-healing/ applied in $NAMESPACE. generate changes nothing;
#   replicaset and statefulset delete one Pod each (their controllers replace it); cronjob creates
#   the Job report-now. sidecar-logs and probe-events need containers that really run.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}

ALL="generate probes probe-events replicaset statefulset job cronjob sidecar-logs"
DEFAULT="generate"
SECTIONS=${*:-$DEFAULT}
for section in $SECTIONS; do
  [[ " $ALL " == *" $section "* ]] || { echo "unknown section: $section (sections: $ALL)" >&2; exit 2; }
done
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want generate; then
# --8<-- [start:generate]
# Skeletons from the command line: edit the YAML for completions, parallelism, concurrencyPolicy.
kubectl create job batch --image=busybox:1.37.0 --dry-run=client -o yaml \
  -- sh -c 'echo processing item; sleep 2'
kubectl create cronjob report --image=busybox:1.37.0 --schedule="30 2 * * *" \
  --restart=OnFailure --dry-run=client -o yaml -- sh -c 'date; echo report done'
# --8<-- [end:generate]
fi

if want probes; then
# --8<-- [start:probes]
# READY counts containers whose readiness probe passes; RESTARTS counts liveness restarts.
kubectl get pods liveness-exec web-probes -n "$NAMESPACE"
kubectl get pod web-probes -n "$NAMESPACE" \
  -o jsonpath='{range .spec.containers[*]}{.name}{": startup="}{.startupProbe.httpGet.path}{" readiness="}{.readinessProbe.httpGet.path}{" liveness=tcp:"}{.livenessProbe.tcpSocket.port}{"\n"}{end}'
# --8<-- [end:probes]
fi

if want probe-events; then
# --8<-- [start:probe-events]
# The kubelet records each failed probe and each restart as an event of the Pod.
kubectl describe pod liveness-exec -n "$NAMESPACE" | sed -n '/^Events:/,$p'
# --8<-- [end:probe-events]
fi

if want replicaset; then
# --8<-- [start:replicaset]
# Delete one Pod: the ReplicaSet notices 2 < 3 and creates a new one with another name.
victim=$(kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/name=rs-web -o jsonpath='{.items[0].metadata.name}')
kubectl delete pod -n "$NAMESPACE" "$victim" --wait=true
kubectl wait -n "$NAMESPACE" --for=jsonpath='{.status.readyReplicas}'=3 replicaset/rs-web --timeout=60s
kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/name=rs-web
kubectl get poddisruptionbudget rs-web -n "$NAMESPACE"
# --8<-- [end:replicaset]
fi

if want statefulset; then
# --8<-- [start:statefulset]
# Stable names and claims: db-0 comes back as db-0 and mounts data-db-0 again.
kubectl get pods,persistentvolumeclaims -n "$NAMESPACE" -l app.kubernetes.io/name=db
kubectl delete pod db-0 -n "$NAMESPACE" --wait=true
kubectl wait -n "$NAMESPACE" --for=create pod/db-0 --timeout=60s >/dev/null
kubectl wait -n "$NAMESPACE" --for=condition=Ready pod/db-0 --timeout=60s
kubectl get pod db-0 -n "$NAMESPACE" \
  -o jsonpath='{.metadata.name}{" uses claim "}{.spec.volumes[?(@.name=="data")].persistentVolumeClaim.claimName}{"\n"}'
# --8<-- [end:statefulset]
fi

if want job; then
# --8<-- [start:job]
kubectl wait -n "$NAMESPACE" --for=condition=Complete job/batch --timeout=120s
kubectl get job batch -n "$NAMESPACE"
kubectl get pods -n "$NAMESPACE" -l job-name=batch
# --8<-- [end:job]
fi

if want cronjob; then
# --8<-- [start:cronjob]
# Test a CronJob without waiting for its schedule: a Job from its template, now.
kubectl create job report-now --from=cronjob/report -n "$NAMESPACE"
kubectl wait -n "$NAMESPACE" --for=condition=Complete job/report-now --timeout=120s
kubectl get cronjob,jobs -n "$NAMESPACE"
# --8<-- [end:cronjob]
fi

if want sidecar-logs; then
# --8<-- [start:sidecar-logs]
# The sidecar prints what app appends to the shared log file.
kubectl logs app-with-sidecar -c log-streamer -n "$NAMESPACE" --tail=3
kubectl get pod app-with-sidecar -n "$NAMESPACE" \
  -o jsonpath='{range .status.initContainerStatuses[*]}{.name}{" started "}{.state.*.startedAt}{"\n"}{end}{range .status.containerStatuses[*]}{.name}{" started "}{.state.running.startedAt}{"\n"}{end}'
# --8<-- [end:sidecar-logs]
fi
