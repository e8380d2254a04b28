#!/usr/bin/env bash
# Autoscaling: an HPA from the command line, reading an HPA that has no metrics, the
# prerequisites (metrics API), scaling a StatefulSet, and an in-place Pod resize.
# Page: docs/workloads-scheduling/autoscaling
# Runs on: lab cluster (binary and kind runtimes), in $NAMESPACE (or the current namespace); needs
#   manifests/workloads-scheduling/autoscaling/ applied there (Deployment and HPA api,
#   StatefulSet db with its Service, Pod resize-demo). It creates Deployment worker with an
#   HPA and deletes both at the end; it leaves db at 3 replicas and resize-demo at 200m CPU.
#   The resize needs a node whose kubelet reports status.containerStatuses[].resources (real
#   kubelets do; on kwok nodes the lab test writes that status first).
set -euo pipefail

# Run in $NAMESPACE when it is set (the lab sets it), through a private copy of the kubeconfig:
# the commands below then read like the ones you type, without -n.
if [[ -n ${NAMESPACE:-} ]]; then
  KUBECONFIG_COPY=$(mktemp)
  kubectl config view --raw > "$KUBECONFIG_COPY"
  export KUBECONFIG=$KUBECONFIG_COPY
  kubectl config set-context --current --namespace="$NAMESPACE" >/dev/null
fi

IMAGE=${IMAGE:-nginxinc/nginx-unprivileged:1.27.3}

cleanup() {
  kubectl delete hpa worker --ignore-not-found
  kubectl delete deployment worker --ignore-not-found --wait=false
  rm -f "${KUBECONFIG_COPY:-}"
}
trap cleanup EXIT

# --8<-- [start:read-hpa]
kubectl get hpa
kubectl describe hpa api | sed -n '/^Metrics:/,$p'
# --8<-- [end:read-hpa]

# --8<-- [start:metrics-api]
# The HPA reads pod metrics from the metrics.k8s.io API, which metrics-server provides.
kubectl get apiservice v1beta1.metrics.k8s.io || echo "no metrics API: install metrics-server"
kubectl top pods || true
# --8<-- [end:metrics-api]

# --8<-- [start:autoscale]
kubectl create deployment worker --image="$IMAGE" --replicas=2
# Without a CPU request, a CPU utilization target cannot be computed.
kubectl set resources deployment worker --requests=cpu=100m,memory=32Mi
# 2 to 6 replicas at 60 % of the requested CPU (autoscaling/v2 under the hood).
kubectl autoscale deployment worker --min=2 --max=6 --cpu=60%
kubectl get hpa worker -o jsonpath='{.apiVersion}{" "}{.spec.metrics[0].resource.target}{"\n"}'
# --8<-- [end:autoscale]

# --8<-- [start:skeleton]
# A YAML skeleton to add behavior to: print it, do not create it.
kubectl autoscale deployment worker --min=2 --max=6 --cpu=60% --dry-run=client -o yaml
# --8<-- [end:skeleton]

# --8<-- [start:explain-behavior]
kubectl explain hpa.spec.behavior.scaleDown | sed -n '/FIELDS:/,$p'
# --8<-- [end:explain-behavior]

# --8<-- [start:statefulset]
# StatefulSets scale like Deployments, one ordinal at a time: db-1, then db-2.
kubectl scale statefulset db --replicas=3
kubectl rollout status statefulset db --timeout=180s
kubectl get pods -l app=db
# --8<-- [end:statefulset]

# --8<-- [start:resize]
# In-place resize: patch the Pod's resize subresource, not the Pod itself.
kubectl patch pod resize-demo --subresource resize --patch \
  '{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"200m"},"limits":{"cpu":"200m"}}}]}}'
kubectl get pod resize-demo -o jsonpath='{.spec.containers[0].resources}{"\n"}'
# --8<-- [end:resize]

# --8<-- [start:resize-refused]
# Patching the resources of the Pod itself is still refused: the spec is immutable there.
kubectl patch pod resize-demo --patch \
  '{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"300m"},"limits":{"cpu":"300m"}}}]}}' \
  2>&1 | head -n 1 | cut -c 1-110 || echo "refused without --subresource resize"
# --8<-- [end:resize-refused]
