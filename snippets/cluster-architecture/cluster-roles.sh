#!/usr/bin/env bash
# ClusterRoles and ClusterRoleBindings: which resources have no namespace, how to write the
# objects with kubectl create, a RoleBinding that reuses a ClusterRole in one namespace, the
# default user-facing roles, and aggregation.
# Page: docs/cluster-architecture/cluster-roles
# Runs on: lab cluster (binary and kind runtimes), as a cluster admin. The can-i and
#   aggregation sections need manifests/cluster-architecture/cluster-roles/ applied (the
#   RoleBinding in $NAMESPACE). The create commands only print YAML (--dry-run=client).
#   `kubectl auth can-i` exits 1 when the answer is no, hence the `|| true` after those lines.
set -euo pipefail

NAMESPACE=${NAMESPACE:-default}
OTHER_NAMESPACE=${OTHER_NAMESPACE:-default}

# --8<-- [start:api-resources]
# Cluster-scoped kinds (nodes, namespaces, persistentvolumes, clusterroles, ...).
kubectl api-resources --namespaced=false
# Namespaced kinds, names only.
kubectl api-resources --namespaced=true -o name | sed -n '1,12p'
# --8<-- [end:api-resources]

# --8<-- [start:create-clusterrole]
kubectl create clusterrole node-reader --verb=get,list,watch --resource=nodes \
  --dry-run=client -o yaml
kubectl create clusterrolebinding node-reader-alice --clusterrole=node-reader --user=alice \
  --dry-run=client -o yaml
# --8<-- [end:create-clusterrole]

# --8<-- [start:rolebinding-to-clusterrole]
# A RoleBinding (namespaced) with --clusterrole: the rules apply in $NAMESPACE only.
kubectl create rolebinding secret-reader-bob -n "$NAMESPACE" \
  --clusterrole=secret-reader --user=bob \
  --dry-run=client -o yaml
# --8<-- [end:rolebinding-to-clusterrole]

# --8<-- [start:can-i]
# alice: nodes everywhere, read only. Answers: yes, no, no.
kubectl auth can-i list nodes --as alice
kubectl auth can-i delete nodes --as alice || true
kubectl auth can-i list secrets --as alice -n "$NAMESPACE" || true
# bob: Secrets in $NAMESPACE only. Answers: yes, no, no, no.
kubectl auth can-i list secrets --as bob -n "$NAMESPACE"
kubectl auth can-i list secrets --as bob -n "$OTHER_NAMESPACE" || true
kubectl auth can-i list secrets --as bob --all-namespaces || true
kubectl auth can-i list nodes --as bob || true
# --8<-- [end:can-i]

# --8<-- [start:default-roles]
# The user-facing default ClusterRoles, and who holds cluster-admin.
kubectl get clusterroles cluster-admin admin edit view
kubectl get clusterrolebinding cluster-admin -o wide
# carol holds view in $NAMESPACE (rolebinding-view-carol.yaml). Answers: yes, no, no.
kubectl auth can-i list pods --as carol -n "$NAMESPACE"
kubectl auth can-i get secrets --as carol -n "$NAMESPACE" || true
kubectl auth can-i create deployments.apps --as carol -n "$NAMESPACE" || true
# --8<-- [end:default-roles]

# --8<-- [start:aggregation]
# The imperative form of clusterrole-monitoring.yaml.
kubectl create clusterrole monitoring \
  --aggregation-rule="rbac.example.com/aggregate-to-monitoring=true" \
  --dry-run=client -o yaml
# The rules the controller copied into the applied aggregated role.
kubectl get clusterrole monitoring -o jsonpath='{range .rules[*]}{.apiGroups} {.resources} {.verbs}{"\n"}{end}'
# --8<-- [end:aggregation]
