#!/usr/bin/env bash
# The PKI of a kubeadm cluster: where the keys and certificates are, which flag uses which
# file, what a certificate says, when it expires, and how kubeadm renews it.
# Page: docs/cluster-architecture/tls-in-kubernetes
# Runs on: kubeadm node only (a control-plane node, as root; needs kubeadm and openssl).
#   On the practice cluster's real nodes (kubeadm or kind runtime), through its ssh:
#   ssh controlplane bash -s < snippets/cluster-architecture/tls-in-kubernetes.sh
#   Point PKI_DIR, KUBECONFIG_DIR, MANIFEST_DIR and KUBELET_PKI_DIR at a copy to practice
#   elsewhere. The renew section renews the API server certificate only. Two sections change
#   the control plane and run only when asked: add-san (ADD_SAN=true; reads the kubeadm-config
#   ConfigMap with kubectl, replaces apiserver.crt/.key) and restart (RESTART_APISERVER=true).
set -euo pipefail

PKI_DIR=${PKI_DIR:-/etc/kubernetes/pki}
KUBECONFIG_DIR=${KUBECONFIG_DIR:-/etc/kubernetes}
MANIFEST_DIR=${MANIFEST_DIR:-/etc/kubernetes/manifests}
KUBELET_PKI_DIR=${KUBELET_PKI_DIR:-/var/lib/kubelet/pki}
RESTART_APISERVER=${RESTART_APISERVER:-false}
PARK_DIR=${PARK_DIR:-/tmp}
ADD_SAN=${ADD_SAN:-false}
NEW_SAN=${NEW_SAN:-k8s-api.example.com}          # a DNS name or an IP address
KUBEADM_CONFIG=${KUBEADM_CONFIG:-/root/kubeadm-config.yaml}

# --8<-- [start:list]
# Keys (*.key) and certificates (*.crt) of the cluster CA, the front-proxy CA and the etcd CA.
ls "$PKI_DIR" "$PKI_DIR/etcd"
# Kubeconfig files with an embedded client certificate for each component.
ls "$KUBECONFIG_DIR"/*.conf
# --8<-- [end:list]

# --8<-- [start:security-flags]
# How the API server decides what an authenticated user may do, and which admission
# plugins kubeadm turns on beyond the defaults.
grep -E -- '--(authorization-mode|enable-admission-plugins)=' "$MANIFEST_DIR/kube-apiserver.yaml"
# --8<-- [end:security-flags]

# --8<-- [start:flags]
# Which file the API server uses for what.
grep -E -- '--(client-ca-file|tls-(cert|private-key)-file|etcd-(cafile|certfile|keyfile)|kubelet-client-(certificate|key)|service-account-(key|signing-key)-file)=' \
  "$MANIFEST_DIR/kube-apiserver.yaml"
# The controller manager signs CSRs with the cluster CA.
grep -E -- '--cluster-signing-(cert|key)-file=' "$MANIFEST_DIR/kube-controller-manager.yaml"
# --8<-- [end:flags]

# --8<-- [start:inspect]
# The API server's serving certificate: who it is, who signed it, how long, which names.
openssl x509 -in "$PKI_DIR/apiserver.crt" -noout -subject -issuer -dates -ext subjectAltName
# Every certificate at a glance: subject and expiry.
for crt in "$PKI_DIR"/*.crt "$PKI_DIR"/etcd/*.crt; do
  printf '%-32s %s | %s\n' "${crt#"$PKI_DIR"/}" \
    "$(openssl x509 -in "$crt" -noout -subject)" "$(openssl x509 -in "$crt" -noout -enddate)"
done
# --8<-- [end:inspect]

# --8<-- [start:kubeconfig-certs]
# The client certificate embedded in admin.conf (base64 in client-certificate-data).
grep 'client-certificate-data' "$KUBECONFIG_DIR/admin.conf" | awk '{print $2}' | base64 -d \
  | openssl x509 -noout -subject -enddate
# The kubelet's own client certificate, rotated by the kubelet itself.
openssl x509 -in "$KUBELET_PKI_DIR/kubelet-client-current.pem" -noout -subject -issuer -enddate
# --8<-- [end:kubeconfig-certs]

# --8<-- [start:check-expiration]
kubeadm certs check-expiration --cert-dir "$PKI_DIR"
# --8<-- [end:check-expiration]

# --8<-- [start:renew]
# Renew one certificate (or "all"); the CA signs a new one with the same names.
kubeadm certs renew apiserver --cert-dir "$PKI_DIR"
openssl x509 -in "$PKI_DIR/apiserver.crt" -noout -enddate
# --8<-- [end:renew]

# --8<-- [start:add-san]
# Add a name to the API server certificate. renew keeps the old SANs, so the certificate is made
# anew from the cluster's ClusterConfiguration with the name added to apiServer.certSANs.
if [[ $ADD_SAN == true ]]; then
  # 1. The ClusterConfiguration that kubeadm stored in the cluster, as a file.
  kubectl -n kube-system get configmap kubeadm-config \
    -o jsonpath='{.data.ClusterConfiguration}' >"$KUBEADM_CONFIG"
  # 2. Add the name under apiServer.certSANs (by hand: vi "$KUBEADM_CONFIG").
  if grep -q '^  certSANs:$' "$KUBEADM_CONFIG"; then
    sed -i "/^  certSANs:\$/a\\  - $NEW_SAN" "$KUBEADM_CONFIG"
  else
    sed -i -E "s/^apiServer:( \{\})?\$/apiServer:\n  certSANs:\n  - $NEW_SAN/" "$KUBEADM_CONFIG"
  fi
  grep -A3 '^apiServer:' "$KUBEADM_CONFIG"
  # 3. kubeadm keeps a certificate that exists: move the old pair out of the directory.
  mv "$PKI_DIR/apiserver.crt" "$PKI_DIR/apiserver.key" "$PARK_DIR/"
  # 4. A new key and certificate, signed by the same cluster CA, with every SAN of the file.
  kubeadm init phase certs apiserver --config "$KUBEADM_CONFIG"
  openssl x509 -in "$PKI_DIR/apiserver.crt" -noout -ext subjectAltName
fi
# --8<-- [end:add-san]

# --8<-- [start:restart]
# The running API server keeps the old certificate in memory until it restarts. For a
# static Pod, move its manifest out, let the kubelet stop it, then move it back.
if [[ $RESTART_APISERVER == true ]]; then
  mv "$MANIFEST_DIR/kube-apiserver.yaml" "$PARK_DIR/"
  sleep 20
  mv "$PARK_DIR/kube-apiserver.yaml" "$MANIFEST_DIR/"
fi
# --8<-- [end:restart]
