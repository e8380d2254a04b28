#!/usr/bin/env bash
# ServiceAccounts: create one, bind a Role to it, request a short-lived token with
# kubectl create token, and use that token from outside (kubectl, curl) and inside a Pod.
# Page: docs/cluster-architecture/service-accounts
# Runs on: lab cluster (binary and kind runtimes), as a cluster admin; needs curl and
#   manifests/cluster-architecture/service-accounts/ applied in $NAMESPACE. The in-pod section
#   needs running containers: it runs only with CONTAINERS_RUN=yes (the kubeadm or kind runtime,
#   a real cluster). Your own kubeconfig is only read: the token's kubeconfig is a file in $WORK_DIR.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
SA=${SA:-app-reader}
CONTAINERS_RUN=${CONTAINERS_RUN:-no}
WORK_DIR=${WORK_DIR:-$(mktemp -d)}

cleanup() { rm -rf "$WORK_DIR"; }
trap cleanup EXIT

# --8<-- [start:create]
kubectl create serviceaccount app-reader -n "$NAMESPACE" --dry-run=client -o yaml
# Every namespace has a "default" ServiceAccount. Since v1.24 no token Secret is created
# for any of them, and v1.35 no longer prints a SECRETS column.
kubectl get serviceaccounts -n "$NAMESPACE"
# --8<-- [end:create]

# --8<-- [start:rbac]
# --serviceaccount takes <namespace>:<name>.
kubectl create rolebinding app-reader -n "$NAMESPACE" \
  --role=pod-reader --serviceaccount="$NAMESPACE:$SA" \
  --dry-run=client -o yaml
# The user name of a ServiceAccount. Answers: yes, no.
kubectl auth can-i list pods -n "$NAMESPACE" --as "system:serviceaccount:$NAMESPACE:$SA"
kubectl auth can-i list secrets -n "$NAMESPACE" --as "system:serviceaccount:$NAMESPACE:$SA" || true
# --8<-- [end:rbac]

# --8<-- [start:pod-volume]
# What the ServiceAccount admission plugin added to the Pod.
kubectl get pod api-client -n "$NAMESPACE" \
  -o jsonpath='{.spec.serviceAccountName}{"\n"}{.spec.volumes[?(@.projected)].name}{"\n"}'
kubectl get pod api-client -n "$NAMESPACE" \
  -o jsonpath='{range .spec.volumes[?(@.projected)].projected.sources[*]}{@}{"\n"}{end}'
# --8<-- [end:pod-volume]

# --8<-- [start:create-token]
# A token from the TokenRequest API: signed, not stored anywhere, expires.
TOKEN=$(kubectl create token "$SA" -n "$NAMESPACE" --duration=10m)
echo "${TOKEN:0:20}..."
# --8<-- [end:create-token]

# --8<-- [start:token-kubeconfig]
# A separate kubeconfig whose user carries only the token (a client certificate in the same
# user entry would be tried first and hide the token). Your own kubeconfig is only read.
SA_KUBECONFIG="$WORK_DIR/sa.kubeconfig"
kubectl config view --raw --minify --flatten > "$SA_KUBECONFIG"
kubectl --kubeconfig "$SA_KUBECONFIG" config set-credentials "$SA" --token="$TOKEN"
kubectl --kubeconfig "$SA_KUBECONFIG" config set-context --current --user="$SA" --namespace="$NAMESPACE"
kubectl --kubeconfig "$SA_KUBECONFIG" auth whoami
kubectl --kubeconfig "$SA_KUBECONFIG" get pods
kubectl --kubeconfig "$SA_KUBECONFIG" get secrets || echo "secrets: refused, as the Role says"
# --8<-- [end:token-kubeconfig]

# --8<-- [start:curl]
# The same token with curl, against the API server's REST paths.
APISERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --raw --minify --flatten \
  -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d > "$WORK_DIR/ca.crt"
curl -sS --cacert "$WORK_DIR/ca.crt" -H "Authorization: Bearer $TOKEN" \
  "$APISERVER/api/v1/namespaces/$NAMESPACE/pods" -o /dev/null -w 'pods:    HTTP %{http_code}\n'
curl -sS --cacert "$WORK_DIR/ca.crt" -H "Authorization: Bearer $TOKEN" \
  "$APISERVER/api/v1/namespaces/$NAMESPACE/secrets" -o "$WORK_DIR/secrets.json" \
  -w 'secrets: HTTP %{http_code}\n'
grep '"message"' "$WORK_DIR/secrets.json"
# --8<-- [end:curl]

# --8<-- [start:legacy-token]
# The manually created token Secret: filled in by the token controller, never expires.
kubectl get secret app-reader-token -n "$NAMESPACE"
kubectl get secret app-reader-token -n "$NAMESPACE" -o jsonpath='{.data.token}' | base64 -d | cut -c1-20
echo "..."
# --8<-- [end:legacy-token]

if [[ $CONTAINERS_RUN == yes ]]; then
kubectl wait pod/api-client -n "$NAMESPACE" --for=condition=Ready --timeout=180s
# --8<-- [start:in-pod]
# Inside the Pod: the mounted token, CA and namespace, then two API calls.
# shellcheck disable=SC2016  # the $ signs are for the shell inside the container
kubectl exec -n "$NAMESPACE" api-client -- sh -c '
  D=/var/run/secrets/kubernetes.io/serviceaccount
  ls "$D"
  for r in pods secrets; do
    curl -sS --cacert "$D/ca.crt" -H "Authorization: Bearer $(cat "$D/token")" \
      "https://kubernetes.default.svc/api/v1/namespaces/$(cat "$D/namespace")/$r" \
      -o /dev/null -w "$r: HTTP %{http_code}\n"
  done'
# --8<-- [end:in-pod]
fi
