#!/usr/bin/env bash
# Where the API server's authorization modes are set on a kubeadm cluster, and the same chain
# written as a structured AuthorizationConfiguration file.
# Page: docs/cluster-architecture/authorization
# Runs on: kubeadm node only (a control-plane node, as root or with sudo; on the practice
#   cluster's real nodes, kubeadm or kind runtime: ssh controlplane). show-mode reads
#   $APISERVER_MANIFEST; write-config writes into $CONFIG_DIR, a new temporary directory unless
#   you set it. Nothing on the node is changed.
set -euo pipefail

APISERVER_MANIFEST=${APISERVER_MANIFEST:-/etc/kubernetes/manifests/kube-apiserver.yaml}
CONFIG_DIR=${CONFIG_DIR:-$(mktemp -d)}

# --8<-- [start:show-mode]
# kubeadm writes the API server's flags into its static Pod manifest.
grep -n -e '--authorization' -e '--enable-admission-plugins' "$APISERVER_MANIFEST"
# --8<-- [end:show-mode]

# --8<-- [start:write-config]
# The chain Node, RBAC as a file for --authorization-config (apiserver.config.k8s.io/v1,
# stable since v1.32). The API server takes this file OR --authorization-mode, never both.
cat > "$CONFIG_DIR/authorization-config.yaml" <<'YAML'
apiVersion: apiserver.config.k8s.io/v1
kind: AuthorizationConfiguration
authorizers:
  - type: Node
    name: node
  - type: RBAC
    name: rbac
YAML
cat "$CONFIG_DIR/authorization-config.yaml"
# --8<-- [end:write-config]
