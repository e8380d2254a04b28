#!/usr/bin/env bash
# Look at a highly available control plane: check the HA files, watch etcd keep (and lose)
# its quorum, read the leader election Leases and the etcd members; build one with kubeadm.
# Page: docs/cluster-architecture/high-availability
# Runs on: three places, chosen with WHERE.
#   WHERE=host (default): any machine with kubeadm, haproxy, etcd and etcdctl on PATH (the
#     lab's tools). Sections validate-files and quorum-*: three throwaway etcd members on
#     127.0.0.1 (ports 21379-23381) in a temporary directory, stopped and removed at the end.
#   WHERE=kind: a kubeadm-style cluster whose etcd runs as static Pods (the practice cluster's
#     kubeadm or kind runtime, or manifests/cluster-architecture/high-availability/kind-ha.yaml).
#     Sections leases, etcd-members and etcd-status; etcdctl runs inside an etcd Pod, nothing is
#     installed.
#   WHERE=node: kubeadm node only, as root on the node each comment names. Sections
#     init-first, upload-certs and join-control-plane.
set -euo pipefail

WHERE=${WHERE:-host}
MANIFEST_DIR=${MANIFEST_DIR:-manifests/cluster-architecture/high-availability}
# The load balancer in front of the API servers (haproxy.cfg listens here).
LB_ENDPOINT=${LB_ENDPOINT:-192.168.56.10:6443}
POD_CIDR=${POD_CIDR:-10.244.0.0/16}
# Values printed by `kubeadm init --upload-certs` on the first control plane node.
JOIN_TOKEN=${JOIN_TOKEN:-abcdef.0123456789abcdef}
CA_CERT_HASH=${CA_CERT_HASH:-sha256:7c2e69131a36ae2a042a339b33381c6d0d43887e2de83720eff5359e26aec866}
CERTIFICATE_KEY=${CERTIFICATE_KEY:-f8902e114ef118304e561c3ecd4d0b543adc226b7a07f675f56564185ffe0c07}

if [[ "$WHERE" == host ]]; then
# --8<-- [start:validate-files]
# Check the files before using them: kubeadm prints "ok", haproxy "Configuration file is valid".
kubeadm config validate --config "$MANIFEST_DIR/kubeadm-stacked-etcd.yaml"
kubeadm config validate --config "$MANIFEST_DIR/kubeadm-join-control-plane.yaml"
kubeadm config validate --config "$MANIFEST_DIR/kubeadm-external-etcd.yaml"
haproxy -c -f "$MANIFEST_DIR/haproxy.cfg"
# --8<-- [end:validate-files]

# The demo talks to its own members only: ignore etcdctl settings from the environment.
unset ETCDCTL_ENDPOINTS ETCDCTL_CACERT ETCDCTL_CERT ETCDCTL_KEY
DEMO_DIR=$(mktemp -d)
declare -a ETCD_PIDS=()
cleanup() {
  if ((${#ETCD_PIDS[@]})); then
    kill "${ETCD_PIDS[@]}" 2>/dev/null || true
    wait "${ETCD_PIDS[@]}" 2>/dev/null || true
  fi
  rm -rf "$DEMO_DIR"
}
trap cleanup EXIT

# --8<-- [start:quorum-start]
# Three etcd members on one machine: m1, m2, m3 (client ports 21379, 22379, 23379;
# peer ports 21380, 22380, 23380). Plain HTTP, for the demo only.
CLUSTER="m1=http://127.0.0.1:21380,m2=http://127.0.0.1:22380,m3=http://127.0.0.1:23380"
for i in 1 2 3; do
  etcd --name "m$i" --data-dir "$DEMO_DIR/m$i" \
    --listen-peer-urls "http://127.0.0.1:2${i}380" --initial-advertise-peer-urls "http://127.0.0.1:2${i}380" \
    --listen-client-urls "http://127.0.0.1:2${i}379" --advertise-client-urls "http://127.0.0.1:2${i}379" \
    --listen-metrics-urls "http://127.0.0.1:2${i}381" \
    --initial-cluster "$CLUSTER" --initial-cluster-state new --initial-cluster-token quorum-demo \
    >"$DEMO_DIR/m$i.log" 2>&1 &
  ETCD_PIDS+=("$!")
done
ALL=http://127.0.0.1:21379,http://127.0.0.1:22379,http://127.0.0.1:23379
etcdctl --endpoints="$ALL" --command-timeout=30s endpoint health -w table
# --8<-- [end:quorum-start]

# --8<-- [start:quorum-status]
etcdctl --endpoints="$ALL" member list -w table
etcdctl --endpoints="$ALL" endpoint status -w table
# --8<-- [end:quorum-status]

# --8<-- [start:quorum-lose-leader]
# Stop the leader: the two others elect a new one (RAFT TERM grows) and still accept writes.
# In -w simple output the 9th field is IS LEADER; m1 listens on 21379, m2 on 22379, m3 on 23379.
LEADER=$(etcdctl --endpoints="$ALL" endpoint status -w simple \
  | awk -F', ' '$9 == "true" { print substr($1, length($1) - 3, 1) }')
kill "${ETCD_PIDS[$((LEADER - 1))]}"
sleep 3
LEFT=$(tr ',' '\n' <<<"$ALL" | grep -v ":2${LEADER}379" | paste -sd, -)
etcdctl --endpoints="$LEFT" endpoint status -w table
etcdctl --endpoints="$LEFT" put /demo/key "written with 2 of 3 members"
# --8<-- [end:quorum-lose-leader]

# --8<-- [start:quorum-lose-quorum]
# Stop one more: 1 of 3 is below the quorum of 2. Writes time out, there is no leader.
SECOND=$(cut -d, -f1 <<<"$LEFT" | sed 's/.*:2\([123]\)379$/\1/')
kill "${ETCD_PIDS[$((SECOND - 1))]}"
sleep 2
LAST=$(cut -d, -f2 <<<"$LEFT")
if etcdctl --endpoints="$LAST" --command-timeout=5s put /demo/key "one member alone" 2>/dev/null; then
  echo "unexpected: a single member of three accepted a write" >&2
  exit 1
fi
echo "write refused: no quorum"
etcdctl --endpoints="$LAST" endpoint status -w table || true
# --8<-- [end:quorum-lose-quorum]
fi

if [[ "$WHERE" == kind ]]; then
# --8<-- [start:leases]
# One Lease per leader-elected component; HOLDER is the instance that is active now.
kubectl get lease -n kube-system
kubectl get lease kube-scheduler -n kube-system -o jsonpath='{.spec.holderIdentity}{"\n"}'
kubectl get lease kube-controller-manager -n kube-system -o jsonpath='{.spec.holderIdentity}{"\n"}'
# --8<-- [end:leases]

# etcdctl ships in the etcd image; the etcd static Pod mounts the certificates below.
ETCD_POD=${ETCD_POD:-$(kubectl -n kube-system get pods -l component=etcd -o jsonpath='{.items[0].metadata.name}')}

# --8<-- [start:etcd-members]
kubectl -n kube-system exec "$ETCD_POD" -- etcdctl \
  --endpoints=https://127.0.0.1:2379 \
  --cacert=/etc/kubernetes/pki/etcd/ca.crt \
  --cert=/etc/kubernetes/pki/etcd/server.crt \
  --key=/etc/kubernetes/pki/etcd/server.key \
  member list -w table
# --8<-- [end:etcd-members]

# --8<-- [start:etcd-status]
# --cluster asks the first endpoint for the member list, then queries every member.
kubectl -n kube-system exec "$ETCD_POD" -- etcdctl \
  --endpoints=https://127.0.0.1:2379 \
  --cacert=/etc/kubernetes/pki/etcd/ca.crt \
  --cert=/etc/kubernetes/pki/etcd/server.crt \
  --key=/etc/kubernetes/pki/etcd/server.key \
  endpoint status --cluster -w table
kubectl -n kube-system exec "$ETCD_POD" -- etcdctl \
  --endpoints=https://127.0.0.1:2379 \
  --cacert=/etc/kubernetes/pki/etcd/ca.crt \
  --cert=/etc/kubernetes/pki/etcd/server.crt \
  --key=/etc/kubernetes/pki/etcd/server.key \
  endpoint health --cluster -w table
# --8<-- [end:etcd-status]
fi

if [[ "$WHERE" == node ]]; then
# --8<-- [start:init-first]
# First control plane node. Same as: kubeadm init --config kubeadm-stacked-etcd.yaml --upload-certs
kubeadm init \
  --control-plane-endpoint "$LB_ENDPOINT" \
  --upload-certs \
  --pod-network-cidr "$POD_CIDR"
# --8<-- [end:init-first]

# --8<-- [start:upload-certs]
# On a control plane node, after the two hours: upload the certificates again and print
# a new certificate key; print a new join line with a fresh token.
kubeadm init phase upload-certs --upload-certs
kubeadm token create --print-join-command
# --8<-- [end:upload-certs]

# --8<-- [start:join-control-plane]
# Second and third control plane nodes. Same as: kubeadm join --config kubeadm-join-control-plane.yaml
kubeadm join "$LB_ENDPOINT" \
  --token "$JOIN_TOKEN" \
  --discovery-token-ca-cert-hash "$CA_CERT_HASH" \
  --control-plane \
  --certificate-key "$CERTIFICATE_KEY"
# --8<-- [end:join-control-plane]
fi
