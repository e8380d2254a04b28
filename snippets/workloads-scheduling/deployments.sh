#!/usr/bin/env bash
# Deployments: a rolling update with a recorded change cause, the rollout history, a rollback
# to a named revision, pause/resume, restart, scale, and a blue/green switch on a Service.
# Page: docs/workloads-scheduling/deployments
# Runs on: lab cluster (binary and kind runtimes), in $NAMESPACE (or the current namespace); needs
#   manifests/workloads-scheduling/deployments/ applied there (deployment-web.yaml at revision 1,
#   the shop Deployments and service-shop.yaml). It leaves web at revision 5 with 6 replicas and
#   service shop pointing at green; the lab test asserts that end state.
set -euo pipefail

# Run in $NAMESPACE when it is set (the lab sets it), through a private copy of the kubeconfig:
# the commands below then read like the ones you type, without -n.
if [[ -n ${NAMESPACE:-} ]]; then
  KUBECONFIG_COPY=$(mktemp)
  kubectl config view --raw > "$KUBECONFIG_COPY"
  export KUBECONFIG=$KUBECONFIG_COPY
  kubectl config set-context --current --namespace="$NAMESPACE" >/dev/null
fi
trap 'rm -f "${KUBECONFIG_COPY:-}"' EXIT

NEW_IMAGE=${NEW_IMAGE:-nginxinc/nginx-unprivileged:1.28.0}

# --8<-- [start:inspect]
# One Deployment owns one ReplicaSet per template version; the ReplicaSet owns the Pods.
kubectl get deployment,replicaset,pod -l app=web,track=stable
# --8<-- [end:inspect]

# --8<-- [start:set-image]
# Change the image of container "nginx": a new Pod template, so a new revision.
kubectl set image deployment/web nginx="$NEW_IMAGE"
# Say why, in the annotation that `rollout history` shows as CHANGE-CAUSE.
kubectl annotate deployment/web kubernetes.io/change-cause="upgrade to nginx 1.28.0" --overwrite
kubectl rollout status deployment/web --timeout=180s
# --8<-- [end:set-image]

# --8<-- [start:events]
# The controller's own account of the rolling update: one Pod up, one Pod down, four times.
kubectl events --for deployment/web | grep ScalingReplicaSet
# --8<-- [end:events]

# --8<-- [start:history]
kubectl rollout history deployment/web
# The full Pod template of one revision:
kubectl rollout history deployment/web --revision=2 | grep -E 'revision|Image|change-cause'
# --8<-- [end:history]

# --8<-- [start:undo]
# Back to revision 1. Its template becomes the newest revision (3); revision 1 disappears
# from the list.
kubectl rollout undo deployment/web --to-revision=1
kubectl rollout status deployment/web --timeout=180s
kubectl get deployment web -o jsonpath='{.spec.template.spec.containers[0].image}{"\n"}'
kubectl rollout history deployment/web
# --8<-- [end:undo]

# --8<-- [start:pause-resume]
# Pause, make several changes, resume: the changes roll out together as one revision.
kubectl rollout pause deployment/web
kubectl set resources deployment/web -c nginx --requests=cpu=100m,memory=48Mi
kubectl set env deployment/web LOG_LEVEL=info
kubectl annotate deployment/web kubernetes.io/change-cause="more CPU, LOG_LEVEL=info" --overwrite
kubectl get deployment web -o jsonpath='{.spec.paused}{" "}{.metadata.annotations.deployment\.kubernetes\.io/revision}{"\n"}'
kubectl rollout resume deployment/web
kubectl rollout status deployment/web --timeout=180s
# --8<-- [end:pause-resume]

# --8<-- [start:restart]
# Replace every Pod without changing anything else (for example, to reread a ConfigMap
# consumed as environment variables). It adds a restartedAt annotation to the template.
kubectl rollout restart deployment/web
kubectl rollout status deployment/web --timeout=180s
kubectl rollout history deployment/web
# --8<-- [end:restart]

# --8<-- [start:scale]
# Scaling changes replicas only: no new ReplicaSet, no new revision.
kubectl scale deployment/web --replicas=6
kubectl rollout status deployment/web --timeout=180s
kubectl get deployment web
# --8<-- [end:scale]

# --8<-- [start:blue-green]
# Blue/green: green is already running. One patch moves the Service's traffic to it.
kubectl get endpointslices -l kubernetes.io/service-name=shop \
  -o jsonpath='{range .items[*].endpoints[*]}{.targetRef.name}{"\n"}{end}'
kubectl patch service shop -p '{"spec":{"selector":{"app":"shop","version":"green"}}}'
sleep 2
kubectl get endpointslices -l kubernetes.io/service-name=shop \
  -o jsonpath='{range .items[*].endpoints[*]}{.targetRef.name}{"\n"}{end}'
# --8<-- [end:blue-green]
