#!/usr/bin/env bash
# Roles and RoleBindings: write them with kubectl create, then ask the API server what a
# user, a group or a node may do with kubectl auth can-i and impersonation (--as).
# Page: docs/cluster-architecture/rbac (node-identity: docs/cluster-architecture/authorization)
# Runs on: lab cluster (binary and kind runtimes), as a cluster admin (impersonation needs the
#   impersonate verb). The can-i sections need manifests/cluster-architecture/rbac/ applied in
#   $NAMESPACE (lab by default: kubectl create namespace lab; kubectl apply -n lab -f <folder>);
#   OTHER_NAMESPACE is a namespace where nothing is granted to jane (default). Nothing is
#   created: the create commands only print YAML (--dry-run=client).
#   `kubectl auth can-i` exits 1 when the answer is no, hence the `|| true` after those lines.
set -euo pipefail

NAMESPACE=${NAMESPACE:-lab}
OTHER_NAMESPACE=${OTHER_NAMESPACE:-default}
if [[ $NAMESPACE == "$OTHER_NAMESPACE" ]]; then
  echo "NAMESPACE and OTHER_NAMESPACE must differ (both are $NAMESPACE)" >&2; exit 2
fi
NODE=${NODE:-node01}

# --8<-- [start:create-role]
# Rules from flags: every verb with every resource. pods/log is the log subresource.
kubectl create role pod-reader -n "$NAMESPACE" \
  --verb=get,list,watch --resource=pods,pods/log \
  --dry-run=client -o yaml
# One named object only: --resource-name becomes resourceNames.
kubectl create role configmap-updater -n "$NAMESPACE" \
  --verb=get,update,patch --resource=configmaps --resource-name=app-config \
  --dry-run=client -o yaml
# --8<-- [end:create-role]

# --8<-- [start:create-rolebinding]
# --role names a Role in the same namespace; --user, --group and --serviceaccount may repeat.
kubectl create rolebinding pod-reader -n "$NAMESPACE" \
  --role=pod-reader --user=jane --group=qa-team \
  --dry-run=client -o yaml
# --8<-- [end:create-rolebinding]

# --8<-- [start:inspect]
kubectl get roles,rolebindings -n "$NAMESPACE"
kubectl describe role pod-reader -n "$NAMESPACE"
kubectl get rolebinding pod-reader -n "$NAMESPACE" -o wide
# --8<-- [end:inspect]

# --8<-- [start:can-i]
# Ask as jane (impersonation). Answers: yes, yes, no, no, no.
kubectl auth can-i list pods --as jane -n "$NAMESPACE"
kubectl auth can-i get pods --subresource=log --as jane -n "$NAMESPACE"
kubectl auth can-i delete pods --as jane -n "$NAMESPACE" || true
kubectl auth can-i create deployments.apps --as jane -n "$NAMESPACE" || true
kubectl auth can-i list pods --as jane -n "$OTHER_NAMESPACE" || true
# --8<-- [end:can-i]

# --8<-- [start:can-i-group]
# tom is not named in any binding; the group qa-team is. Answers: yes, no. Impersonation adds
# the group system:authenticated to tom either way, not qa-team.
kubectl auth can-i list pods --as tom --as-group qa-team -n "$NAMESPACE"
kubectl auth can-i list pods --as tom -n "$NAMESPACE" || true
# --8<-- [end:can-i-group]

# --8<-- [start:can-i-resource-names]
# resourceNames: one ConfigMap by name. Answers: yes, no, no.
kubectl auth can-i update configmaps/app-config --as jane -n "$NAMESPACE"
kubectl auth can-i get configmaps/other-config --as jane -n "$NAMESPACE" || true
kubectl auth can-i list configmaps --as jane -n "$NAMESPACE" || true
# --8<-- [end:can-i-resource-names]

# --8<-- [start:can-i-list]
# Everything jane may do in the namespace, one line per rule.
kubectl auth can-i --list --as jane -n "$NAMESPACE"
# --8<-- [end:can-i-list]

# --8<-- [start:node-identity]
# The Node authorizer recognizes a kubelet by user system:node:<name> AND group system:nodes.
# Answers: yes (its own Node), no (a Secret no Pod on the node uses), no (group missing).
kubectl auth can-i get "nodes/$NODE" --as "system:node:$NODE" --as-group system:nodes
kubectl auth can-i get secrets/not-on-this-node -n "$NAMESPACE" \
  --as "system:node:$NODE" --as-group system:nodes || true
kubectl auth can-i get "nodes/$NODE" --as "system:node:$NODE" || true
# --8<-- [end:node-identity]
