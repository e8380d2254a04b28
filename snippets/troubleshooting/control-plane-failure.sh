#!/usr/bin/env bash
# Diagnose a broken control plane component that runs as a static Pod (kubeadm layout).
# Page: docs/troubleshooting/control-plane-failure
# Runs on: two places, chosen with WHERE.
#   WHERE=cluster (default): lab cluster (binary and kind runtimes), with kubectl.
#     On the binary runtime the components are plain processes, so the Pod lists are empty.
#   WHERE=node: kubeadm node only, as root (on the practice cluster's real nodes, kubeadm or
#     kind runtime: ssh controlplane): the node sections
#     (static-pod-path, crictl, kubelet-log, fix, certs). Point MANIFESTS_DIR and
#     KUBELET_CONFIG at copies to try the file steps elsewhere.
# Changes something only in section fix (it corrects the --kubeconfig path of
# manifests/troubleshooting/control-plane-failure/pod-kube-scheduler-broken.yaml).
set -euo pipefail

WHERE=${WHERE:-cluster}
COMPONENT=${COMPONENT:-kube-scheduler}
MANIFESTS_DIR=${MANIFESTS_DIR:-/etc/kubernetes/manifests}
KUBELET_CONFIG=${KUBELET_CONFIG:-/var/lib/kubelet/config.yaml}
# Where an edited manifest is written before it is moved in: the same filesystem as
# MANIFESTS_DIR (so the move is atomic) but outside it.
EDIT_DIR=${EDIT_DIR:-$(dirname "$MANIFESTS_DIR")}

if [[ "$WHERE" == cluster ]]; then
# --8<-- [start:control-plane-pods]
# The control plane as the API sees it: mirror Pods named <component>-<node>.
kubectl get pods -n kube-system -l tier=control-plane -o wide
kubectl get pods -n kube-system -l component="$COMPONENT" \
  -o jsonpath='{range .items[*]}{.metadata.name}{" ready="}{.status.containerStatuses[0].ready}{" restarts="}{.status.containerStatuses[0].restartCount}{"\n"}{end}'
# The API server's own view of its health checks.
kubectl get --raw='/readyz?verbose' | tail -n 5
# --8<-- [end:control-plane-pods]

# --8<-- [start:describe-logs]
# Works while the API server is up: the mirror Pod's events and the container's output.
kubectl describe pod -n kube-system -l component="$COMPONENT" | sed -n '/^Events:/,$p'
# After a crash, --previous shows the output of the run that failed.
kubectl logs -n kube-system -l component="$COMPONENT" --tail=20 \
  || kubectl logs -n kube-system -l component="$COMPONENT" --tail=20 --previous
# --8<-- [end:describe-logs]

# --8<-- [start:pending-pods]
# A dead scheduler shows up as Pods that stay Pending without a node and without events.
kubectl get pods -A --field-selector=status.phase=Pending -o wide
# --8<-- [end:pending-pods]
fi

if [[ "$WHERE" == node ]]; then
# --8<-- [start:static-pod-path]
# Which directory the kubelet watches for static Pod manifests, and what is in it.
grep staticPodPath "$KUBELET_CONFIG"
ls -l "$MANIFESTS_DIR"
# --8<-- [end:static-pod-path]

# --8<-- [start:crictl]
# Works even when the API server is down: ask the container runtime directly.
crictl ps -a --name "$COMPONENT"
CONTAINER_ID=$(crictl ps -a --name "$COMPONENT" -q | head -n 1)
crictl logs --tail=20 "$CONTAINER_ID"
# --8<-- [end:crictl]

# --8<-- [start:kubelet-log]
# The kubelet's own log: manifest parse errors and failed container starts land here.
journalctl -u kubelet --no-pager --since "-10min" | grep -i "$COMPONENT" | tail -n 20 \
  || echo "no kubelet log lines about $COMPONENT in the last 10 minutes"
# --8<-- [end:kubelet-log]

# --8<-- [start:fix]
# Compare the paths in the flags with the files the Pod mounts, then fix the manifest.
# Write the new version next to the directory and move it in: the kubelet reads every file
# in it (except names starting with a dot) and recreates the Pod by itself.
grep -nE -- '--kubeconfig|mountPath|path:' "$MANIFESTS_DIR/$COMPONENT.yaml"
sed 's#--kubeconfig=/etc/kubernetes/scheduler.conff$#--kubeconfig=/etc/kubernetes/scheduler.conf#' \
  "$MANIFESTS_DIR/$COMPONENT.yaml" > "$EDIT_DIR/$COMPONENT.yaml.new"
mv "$EDIT_DIR/$COMPONENT.yaml.new" "$MANIFESTS_DIR/$COMPONENT.yaml"
grep -n -- '--kubeconfig' "$MANIFESTS_DIR/$COMPONENT.yaml"
# --8<-- [end:fix]

# --8<-- [start:certs]
# Certificate paths and expiry: a wrong or expired certificate also stops a component.
kubeadm certs check-expiration
grep -E -- '--(tls-cert-file|client-ca-file|etcd-certfile|kubelet-client-certificate)' \
  "$MANIFESTS_DIR/kube-apiserver.yaml"
# --8<-- [end:certs]
fi
