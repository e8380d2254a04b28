#!/usr/bin/env bash
# Private registries: the docker-registry Secret, imagePullSecrets on a Pod and on a
# ServiceAccount, what imagePullPolicy defaults to, and what a failed pull looks like.
# Page: docs/workloads-scheduling/image-security
# Runs on: lab cluster (binary and kind runtimes), as a cluster admin; needs
#   manifests/workloads-scheduling/image-security/ applied in $NAMESPACE. The pull-failure
#   section needs a kubelet that really pulls: it runs only with CONTAINERS_RUN=yes. The
#   crictl section runs only on a node, as root, with ON_NODE=yes. The default ServiceAccount
#   is patched and restored on exit.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
CONTAINERS_RUN=${CONTAINERS_RUN:-no}
ON_NODE=${ON_NODE:-no}

restore_default_sa() {
  kubectl patch serviceaccount default -n "$NAMESPACE" --type=json \
    -p='[{"op": "remove", "path": "/imagePullSecrets"}]' >/dev/null 2>&1 || true
}
trap restore_default_sa EXIT

# --8<-- [start:create-secret]
# The exam's way: one command, type kubernetes.io/dockerconfigjson.
kubectl create secret docker-registry registry-credentials -n "$NAMESPACE" \
  --docker-server=registry.example.com \
  --docker-username=learner --docker-password=not-a-real-password \
  --docker-email=learner@example.com \
  --dry-run=client -o yaml
# --8<-- [end:create-secret]

# --8<-- [start:decode]
kubectl get secret registry-credentials -n "$NAMESPACE"
kubectl get secret registry-credentials -n "$NAMESPACE" \
  -o jsonpath='{.data.\.dockerconfigjson}' | base64 -d
# --8<-- [end:decode]

# --8<-- [start:pull-secrets-in-pods]
# Written in the Pod, and copied from the ServiceAccount by admission.
kubectl get pod private-app -n "$NAMESPACE" -o jsonpath='{.spec.imagePullSecrets[*].name}{"\n"}'
kubectl get pod pinned-app -n "$NAMESPACE" \
  -o jsonpath='{.spec.serviceAccountName}: {.spec.imagePullSecrets[*].name}{"\n"}'
# --8<-- [end:pull-secrets-in-pods]

# --8<-- [start:patch-default-sa]
# Every new Pod that uses the default ServiceAccount (and lists no imagePullSecrets) gets it too.
kubectl patch serviceaccount default -n "$NAMESPACE" \
  -p '{"imagePullSecrets": [{"name": "registry-credentials"}]}'
kubectl get serviceaccount default -n "$NAMESPACE" -o jsonpath='{.imagePullSecrets}{"\n"}'
# --8<-- [end:patch-default-sa]

# --8<-- [start:pull-policy-defaults]
# What the API server fills in when imagePullPolicy is left out (server-side dry run).
for image in busybox busybox:latest busybox:1.37.0 \
  registry.k8s.io/pause:3.10@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a; do
  policy=$(kubectl run policy-check -n "$NAMESPACE" --image="$image" --restart=Never \
    --dry-run=server -o jsonpath='{.spec.containers[0].imagePullPolicy}')
  echo "$policy  <-  $image"
done
# --8<-- [end:pull-policy-defaults]

if [[ $CONTAINERS_RUN == yes ]]; then
# --8<-- [start:pull-failure]
# The registry is fictional, so the kubelet cannot pull: the reason and the events say why.
kubectl get pod private-app -n "$NAMESPACE" \
  -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}{"\n"}'
kubectl events -n "$NAMESPACE" --for pod/private-app | tail -n 5
# --8<-- [end:pull-failure]
fi

if [[ $ON_NODE == yes ]]; then
# --8<-- [start:crictl]
# On a node: containerd is the runtime, crictl talks to it. There is no `docker login` here;
# credentials go on the command line (or into the kubelet's config).
crictl pull registry.k8s.io/pause:3.10
crictl images | grep pause
# For a private registry: crictl pull --creds USER:PASSWORD registry.example.com/team/app:1.0
# --8<-- [end:crictl]
fi
