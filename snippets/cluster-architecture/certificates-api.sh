#!/usr/bin/env bash
# Give a new user a client certificate through the Certificates API: a key and a CSR with
# openssl, a CertificateSigningRequest object, approval, the issued certificate, and a
# kubeconfig of the user's own to test what RBAC lets them do.
# Page: docs/cluster-architecture/certificates-api
# Runs on: lab cluster (binary and kind runtimes; kube-controller-manager must sign CSRs, i.e.
#   run with --cluster-signing-cert-file and --cluster-signing-key-file, as kubeadm sets it up);
#   needs openssl and a kubeconfig that may create and approve CSRs (cluster admin).
#   The user's permissions come from manifests/cluster-architecture/certificates-api/
#   (Role + RoleBinding) applied in $NAMESPACE; without them every can-i answers no.
#   The user's kubeconfig is a separate file in $WORK_DIR; your own kubeconfig is only read.
set -euo pipefail

USER_NAME=${USER_NAME:-jane}
USER_GROUP=${USER_GROUP:-developers}
NAMESPACE=${NAMESPACE:-default}
CSR_NAME=${CSR_NAME:-$USER_NAME}
EXPIRATION_SECONDS=${EXPIRATION_SECONDS:-86400}
WORK_DIR=${WORK_DIR:-$(mktemp -d)}
CLUSTER_NAME=${CLUSTER_NAME:-lab}
CLUSTER_SERVER=${CLUSTER_SERVER:-$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')}
USER_KUBECONFIG=${USER_KUBECONFIG:-$WORK_DIR/$USER_NAME.kubeconfig}
CLEANUP=${CLEANUP:-true}   # false keeps the CSR object and $WORK_DIR for inspection

mkdir -p "$WORK_DIR"

# --8<-- [start:cleanup]
cleanup() {
  if [[ $CLEANUP == true ]]; then
    kubectl delete csr "$CSR_NAME" --ignore-not-found
    rm -rf "$WORK_DIR"
  fi
}
trap cleanup EXIT
# --8<-- [end:cleanup]

# A CSR's spec cannot change: remove one left over from an earlier run.
kubectl delete csr "$CSR_NAME" --ignore-not-found >/dev/null

# --8<-- [start:key-and-csr]
# The private key never leaves the user's machine; only the CSR is sent.
# CN becomes the user name, O the group (repeat /O=... for more groups).
openssl genrsa -out "$WORK_DIR/$USER_NAME.key" 2048
openssl req -new -key "$WORK_DIR/$USER_NAME.key" \
  -subj "/CN=${USER_NAME}/O=${USER_GROUP}" -out "$WORK_DIR/$USER_NAME.csr"
# --8<-- [end:key-and-csr]

# --8<-- [start:create-csr]
# spec.request is the whole PEM file, base64-encoded on one line.
REQUEST=$(base64 < "$WORK_DIR/$USER_NAME.csr" | tr -d '\n')
kubectl apply -f - <<EOF
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: ${CSR_NAME}
spec:
  request: ${REQUEST}
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: ${EXPIRATION_SECONDS}
  usages:
    - client auth
EOF
kubectl get csr "$CSR_NAME"
# --8<-- [end:create-csr]

# --8<-- [start:approve]
kubectl certificate approve "$CSR_NAME"
# kube-controller-manager signs approved requests within seconds.
for _ in $(seq 1 30); do
  [[ -n $(kubectl get csr "$CSR_NAME" -o jsonpath='{.status.certificate}') ]] && break
  sleep 2
done
if [[ -z $(kubectl get csr "$CSR_NAME" -o jsonpath='{.status.certificate}') ]]; then
  echo "CSR $CSR_NAME was approved but not issued: does kube-controller-manager run with" \
    "--cluster-signing-cert-file and --cluster-signing-key-file?" >&2
  exit 1
fi
kubectl get csr "$CSR_NAME"
# --8<-- [end:approve]

# --8<-- [start:fetch-cert]
kubectl get csr "$CSR_NAME" -o jsonpath='{.status.certificate}' | base64 -d > "$WORK_DIR/$USER_NAME.crt"
openssl x509 -in "$WORK_DIR/$USER_NAME.crt" -noout -subject -issuer -dates
# --8<-- [end:fetch-cert]

# --8<-- [start:kubeconfig]
# The cluster CA comes from your current kubeconfig (embedded data, or a file path).
CA_DATA=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
if [[ -n $CA_DATA ]]; then
  base64 -d <<< "$CA_DATA" > "$WORK_DIR/ca.crt"
else
  cp "$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')" "$WORK_DIR/ca.crt"
fi
kubectl config --kubeconfig="$USER_KUBECONFIG" set-cluster "$CLUSTER_NAME" \
  --server="$CLUSTER_SERVER" --certificate-authority="$WORK_DIR/ca.crt" --embed-certs=true
kubectl config --kubeconfig="$USER_KUBECONFIG" set-credentials "$USER_NAME" \
  --client-certificate="$WORK_DIR/$USER_NAME.crt" --client-key="$WORK_DIR/$USER_NAME.key" --embed-certs=true
kubectl config --kubeconfig="$USER_KUBECONFIG" set-context "$USER_NAME@$CLUSTER_NAME" \
  --cluster="$CLUSTER_NAME" --user="$USER_NAME" --namespace="$NAMESPACE"
kubectl config --kubeconfig="$USER_KUBECONFIG" use-context "$USER_NAME@$CLUSTER_NAME"
# --8<-- [end:kubeconfig]

# --8<-- [start:test]
# Authentication: the API server reads the name and groups from the certificate.
kubectl --kubeconfig="$USER_KUBECONFIG" auth whoami
# Authorization: RBAC decides. can-i exits 1 on "no", hence "|| true".
kubectl --kubeconfig="$USER_KUBECONFIG" auth can-i list pods
kubectl --kubeconfig="$USER_KUBECONFIG" auth can-i delete pods || true
kubectl --kubeconfig="$USER_KUBECONFIG" auth can-i list pods --namespace=kube-system || true
# --8<-- [end:test]
