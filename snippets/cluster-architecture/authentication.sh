#!/usr/bin/env bash
# Who is asking? Show the identity of your own kubeconfig, an anonymous request, and a
# ServiceAccount's bearer token, each as the API server sees it.
# Page: docs/cluster-architecture/authentication
# Runs on: lab cluster (binary and kind runtimes); needs kubectl and curl. Creates one
#   ServiceAccount in $NAMESPACE and deletes it at the end.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
SA_NAME=${SA_NAME:-auth-demo}
WORK_DIR=${WORK_DIR:-$(mktemp -d)}
SERVER=${SERVER:-$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')}

cleanup() {
  kubectl delete serviceaccount "$SA_NAME" --namespace "$NAMESPACE" --ignore-not-found >/dev/null
  rm -rf "$WORK_DIR"
}
trap cleanup EXIT

# The cluster CA from the current kubeconfig (embedded data, or a file path), for curl.
CA_DATA=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
if [[ -n $CA_DATA ]]; then
  base64 -d <<< "$CA_DATA" > "$WORK_DIR/ca.crt"
else
  cp "$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')" "$WORK_DIR/ca.crt"
fi

# --8<-- [start:whoami]
# Who am I, according to the API server? (user name and groups from your credentials)
kubectl auth whoami
# --8<-- [end:whoami]

# --8<-- [start:anonymous]
# No credentials at all: the request is anonymous (system:anonymous) if the API server
# allows anonymous requests, and is rejected with 401 if it does not.
curl -s -o /dev/null -w '/version  -> HTTP %{http_code}\n' --cacert "$WORK_DIR/ca.crt" "$SERVER/version"
curl -s -o /dev/null -w '/api/v1/pods -> HTTP %{http_code}\n' --cacert "$WORK_DIR/ca.crt" "$SERVER/api/v1/pods"
# --8<-- [end:anonymous]

# --8<-- [start:serviceaccount-token]
# A ServiceAccount is an API object; its credential is a short-lived signed token.
kubectl create serviceaccount "$SA_NAME" --namespace "$NAMESPACE"
TOKEN=$(kubectl create token "$SA_NAME" --namespace "$NAMESPACE" --duration=10m)
# Send it as a bearer token: authenticated, but RBAC grants this account nothing yet.
curl -s --cacert "$WORK_DIR/ca.crt" -H "Authorization: Bearer $TOKEN" \
  "$SERVER/api/v1/namespaces/$NAMESPACE/pods" | grep '"message"'
# --8<-- [end:serviceaccount-token]

# --8<-- [start:can-i-list]
# Everything your own credentials allow in a namespace (first lines only).
kubectl auth can-i --list --namespace "$NAMESPACE" | sed -n '1,6p'
# --8<-- [end:can-i-list]

# --8<-- [start:impersonate]
# An administrator can ask the same question without the token, by impersonation.
kubectl auth can-i list pods --namespace "$NAMESPACE" \
  --as "system:serviceaccount:$NAMESPACE:$SA_NAME" || true
# --8<-- [end:impersonate]
