#!/usr/bin/env bash
# ConfigMaps and Secrets: create them from literals, files and env files, read a Secret back
# (base64 is only an encoding), see how a Pod consumes them, and an immutable ConfigMap refusing
# a change. With running containers: which changes reach a running Pod.
# Page: docs/workloads-scheduling/configmaps-secrets
# Runs on: lab cluster (binary and kind runtimes), in $NAMESPACE (or the current namespace); needs
#   manifests/workloads-scheduling/configmaps-secrets/ applied there. Objects it creates are
#   deleted at the end. The section `updates` runs only with CONTAINERS_RUN=yes (real nodes):
#   it changes app-config and waits up to 3 minutes for the mounted file to follow.
set -euo pipefail

# Run in $NAMESPACE when it is set (the lab sets it), through a private copy of the kubeconfig:
# the commands below then read like the ones you type, without -n.
if [[ -n ${NAMESPACE:-} ]]; then
  KUBECONFIG_COPY=$(mktemp)
  kubectl config view --raw > "$KUBECONFIG_COPY"
  export KUBECONFIG=$KUBECONFIG_COPY
  kubectl config set-context --current --namespace="$NAMESPACE" >/dev/null
fi

CONTAINERS_RUN=${CONTAINERS_RUN:-no}
WORK=$(mktemp -d)

cleanup() {
  kubectl delete configmap web-settings nginx-conf app-env-file --ignore-not-found
  kubectl delete secret db-admin --ignore-not-found
  rm -rf "$WORK"
  rm -f "${KUBECONFIG_COPY:-}"
}
trap cleanup EXIT
cd "$WORK"

# --8<-- [start:from-literal]
kubectl create configmap web-settings --from-literal=APP_COLOR=green --from-literal=APP_MODE=debug
# --8<-- [end:from-literal]

# --8<-- [start:from-file]
cat > nginx.conf <<'CONF'
server { listen 8080; location / { return 200 "ok\n"; } }
CONF
# The key is the file name (nginx.conf) unless you give one (default.conf=...).
kubectl create configmap nginx-conf --from-file=nginx.conf --from-file=default.conf=nginx.conf
# --8<-- [end:from-file]

# --8<-- [start:from-env-file]
cat > app.env <<'ENV'
# comments and blank lines are skipped
APP_COLOR=pink
APP_REGION=eu-west
ENV
# One key per KEY=value line, not one key for the whole file.
kubectl create configmap app-env-file --from-env-file=app.env
kubectl get configmap web-settings nginx-conf app-env-file
kubectl get configmap app-env-file -o jsonpath='{.data}{"\n"}'
# --8<-- [end:from-env-file]

# --8<-- [start:secret]
# generic = Opaque; the same --from-literal, --from-file, --from-env-file flags.
kubectl create secret generic db-admin --from-literal=DB_USER=admin --from-literal=DB_PASSWORD='p@ss w0rd'
kubectl get secret db-admin -o jsonpath='{.data.DB_PASSWORD}{"\n"}'
# base64 is an encoding: anyone who can read the Secret can decode it.
kubectl get secret db-admin -o jsonpath='{.data.DB_PASSWORD}' | base64 -d; echo
# --8<-- [end:secret]

# --8<-- [start:consumers]
kubectl get configmap app-config -o jsonpath='{.data.APP_COLOR}{"\n"}'
kubectl get secret db-credentials -o jsonpath='{.data.DB_USER}' | base64 -d; echo
# Where the Pods take their values from (the spec, not the container's memory):
kubectl get pod app-env -o jsonpath='{range .spec.containers[0].env[*]}{.name}{" <- "}{.valueFrom}{"\n"}{end}'
kubectl get pod app-volume -o jsonpath='{range .spec.containers[0].volumeMounts[*]}{.mountPath}{" "}{.subPath}{"\n"}{end}'
kubectl get pods app-env app-volume
# --8<-- [end:consumers]

# --8<-- [start:immutable]
kubectl patch configmap feature-flags-v1 -p '{"data":{"NEW_CHECKOUT":"true"}}' \
  || echo "refused: the ConfigMap is immutable"
# The way to change it: a new ConfigMap (feature-flags-v2) and Pods that point at it.
# --8<-- [end:immutable]

if [[ $CONTAINERS_RUN == yes ]]; then
kubectl wait pod/app-env pod/app-volume --for=condition=Ready --timeout=180s
# --8<-- [start:updates]
kubectl exec app-env -- printenv COLOR CFG_APP_COLOR DB_PASSWORD
kubectl exec app-volume -- cat /etc/app/APP_COLOR; echo
kubectl patch configmap app-config -p '{"data":{"APP_COLOR":"green","app.properties":"greeting=hi\n"}}'
# The mounted directory follows within about a minute (kubelet sync period + cache TTL).
for _ in $(seq 1 36); do
  [[ $(kubectl exec app-volume -- cat /etc/app/APP_COLOR) == green ]] && break
  sleep 5
done
echo "volume:  $(kubectl exec app-volume -- cat /etc/app/APP_COLOR)"
echo "subPath: $(kubectl exec app-volume -- cat /config/app.properties | head -n 1)"
echo "env:     $(kubectl exec app-env -- printenv COLOR)"
# --8<-- [end:updates]
kubectl patch configmap app-config -p '{"data":{"APP_COLOR":"blue","app.properties":"greeting=hello\ncache.size=64\n"}}'
fi
