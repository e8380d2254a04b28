#!/usr/bin/env bash
# The commands of the live HA lab: network namespaces, certificates made with openssl,
# three stacked etcd members with TLS, two kube-apiservers, HAProxy, and two
# kube-controller-managers and kube-schedulers with leader election.
# Page: docs/cluster-architecture/high-availability
# Runs on: make lab-ha (host as root): the HA lab (python -m cka.labs.ha) sets the
#   variables below from manifests/cluster-architecture/high-availability/haproxy.cfg,
#   starts and kills the components, measures and cleans up. Every machine of the example
#   (the load balancer and the control plane nodes) is a network namespace of its own,
#   so the addresses of haproxy.cfg exist only inside the lab.
#   `high-availability-lab.sh down` removes the namespaces and what runs in them.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
LAB_DIR=${LAB_DIR:-/tmp/cka-ha-lab}          # state: certificates, kubeconfigs, etcd data
PKI=$LAB_DIR/pki
PREFIX=${PREFIX:-cka-ha}                     # start of every network namespace name
HAPROXY_CFG=${HAPROXY_CFG:-manifests/cluster-architecture/high-availability/haproxy.cfg}
LB_IP=${LB_IP:-192.168.56.10}                # the control plane endpoint (haproxy binds *:6443)
API_PORT=${API_PORT:-6443}
# The control plane nodes, as name=address (the `server` lines of haproxy.cfg).
NODES=${NODES:-controlplane-1=192.168.56.11 controlplane-2=192.168.56.12 controlplane-3=192.168.56.13}
# The nodes that run kube-apiserver, kube-controller-manager and kube-scheduler.
API_NODES=${API_NODES:-controlplane-1 controlplane-2}
# Where etcdctl and kubectl run (an admin's shell on a control plane node).
CLIENT_NODE=${CLIENT_NODE:-controlplane-1}
SERVICE_CIDR=10.96.0.0/12
SERVICE_IP=10.96.0.1

die() { echo "lab.sh: $*" >&2; exit 1; }

declare -A NODE_IP=()
NODE_NAMES=()
for pair in $NODES; do
  NODE_IP[${pair%%=*}]=${pair#*=}
  NODE_NAMES+=("${pair%%=*}")
done

netns_of() { if [[ $1 == lb ]]; then echo "$PREFIX-lb"; else echo "$PREFIX-$1"; fi; }

# Every etcd member as name=peer URL, and every client URL, from NODES.
ETCD_INITIAL_CLUSTER=$(for n in "${NODE_NAMES[@]}"; do printf '%s=https://%s:2380,' "$n" "${NODE_IP[$n]}"; done)
ETCD_INITIAL_CLUSTER=${ETCD_INITIAL_CLUSTER%,}
ETCD_SERVERS=$(for n in "${NODE_NAMES[@]}"; do printf 'https://%s:2379,' "${NODE_IP[$n]}"; done)
ETCD_SERVERS=${ETCD_SERVERS%,}

network_up() {
  local i=0 node ns subnet
  subnet=${LB_IP%.*}
  for node in "${NODE_NAMES[@]}"; do
    [[ ${NODE_IP[$node]%.*} == "$subnet" ]] || die "$node's address ${NODE_IP[$node]} is not in $subnet.0/24 with $LB_IP"
  done
  # --8<-- [start:network]
  # One network namespace per machine. The load balancer's namespace holds a bridge with
  # the endpoint address; each control plane node is joined to it by a veth pair.
  ip netns add "$PREFIX-lb"
  ip -n "$PREFIX-lb" link set lo up
  ip -n "$PREFIX-lb" link add br0 type bridge
  ip -n "$PREFIX-lb" addr add "$LB_IP/24" dev br0
  ip -n "$PREFIX-lb" link set br0 up
  for node in "${NODE_NAMES[@]}"; do
    i=$((i + 1))
    ns=$(netns_of "$node")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$PREFIX-lb" link add "veth$i" type veth peer name eth0 netns "$ns"
    ip -n "$PREFIX-lb" link set "veth$i" master br0 up
    ip -n "$ns" addr add "${NODE_IP[$node]}/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
  # --8<-- [end:network]
}

# Stop everything that runs in the lab's namespaces, then delete them (their links go with them).
network_down() {
  local ns pid
  for ns in $(ip netns list | awk -v p="$PREFIX-" 'index($1, p) == 1 { print $1 }'); do
    for pid in $(ip netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns"
  done
}

# new_ca FILE SUBJECT: a self-signed CA (FILE.key, FILE.crt), valid for one day.
new_ca() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "$2" -days 1 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$1.crt"
}

# sign FILE CA SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]: a key and a certificate signed by CA.
sign() {
  local file=$1 ca=$2 subject=$3 usage=$4 names=${5:-}
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$file.key"
  openssl req -new -key "$file.key" -subj "$subject" -out "$file.csr"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$usage"
    if [[ -n $names ]]; then echo "subjectAltName=$names"; fi
  } >"$file.ext"
  openssl x509 -req -in "$file.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 1 \
    -extfile "$file.ext" -out "$file.crt" 2>/dev/null
  rm -f "$file.csr" "$file.ext"
}

pki() {
  local node ip names
  mkdir -p "$PKI/etcd"
  # --8<-- [start:pki-etcd]
  # etcd has a CA of its own. Each member gets a server certificate (clients: 2379) and a peer
  # certificate (other members: 2380) for its address; peers are both clients and servers.
  new_ca "$PKI/etcd/ca" "/CN=etcd-ca"
  for node in "${NODE_NAMES[@]}"; do
    ip=${NODE_IP[$node]}
    sign "$PKI/etcd/$node-server" "$PKI/etcd/ca" "/CN=$node" serverAuth,clientAuth "DNS:$node,DNS:localhost,IP:$ip,IP:127.0.0.1"
    sign "$PKI/etcd/$node-peer" "$PKI/etcd/ca" "/CN=$node" serverAuth,clientAuth "DNS:$node,IP:$ip"
  done
  # Client certificates: kube-apiserver's, and one for etcdctl.
  sign "$PKI/apiserver-etcd-client" "$PKI/etcd/ca" "/CN=kube-apiserver-etcd-client" clientAuth
  sign "$PKI/etcd/healthcheck-client" "$PKI/etcd/ca" "/CN=kube-etcd-healthcheck-client" clientAuth
  # --8<-- [end:pki-etcd]

  # --8<-- [start:pki-kubernetes]
  # The cluster CA. The API servers' certificate names the load balancer's address too:
  # clients connect to $LB_IP and TLS passes through HAProxy to the API server unchanged.
  new_ca "$PKI/ca" "/CN=kubernetes"
  names="DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  names+=",IP:$SERVICE_IP,IP:$LB_IP,IP:127.0.0.1"
  for node in "${NODE_NAMES[@]}"; do names+=",DNS:$node,IP:${NODE_IP[$node]}"; done
  sign "$PKI/apiserver" "$PKI/ca" "/CN=kube-apiserver" serverAuth "$names"
  sign "$PKI/admin" "$PKI/ca" "/O=system:masters/CN=kubernetes-admin" clientAuth
  sign "$PKI/controller-manager" "$PKI/ca" "/CN=system:kube-controller-manager" clientAuth
  sign "$PKI/scheduler" "$PKI/ca" "/CN=system:kube-scheduler" clientAuth
  # The key pair that signs and checks ServiceAccount tokens, shared by every API server.
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/sa.key"
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
  # --8<-- [end:pki-kubernetes]
}

# kubeconfig FILE SERVER USER: a kubeconfig for USER's certificate, talking to SERVER.
kubeconfig() {
  kubectl config set-cluster cka-ha --server="$2" --certificate-authority="$PKI/ca.crt" --embed-certs --kubeconfig="$1" >/dev/null
  kubectl config set-credentials "$3" --client-certificate="$PKI/$3.crt" --client-key="$PKI/$3.key" \
    --embed-certs --kubeconfig="$1" >/dev/null
  kubectl config set-context "$3@cka-ha" --cluster=cka-ha --user="$3" --kubeconfig="$1" >/dev/null
  kubectl config use-context "$3@cka-ha" --kubeconfig="$1" >/dev/null
}

kubeconfigs() {
  local node
  # --8<-- [start:kubeconfigs]
  # The admin talks to the load balancer only. As on a kubeadm node, the controller manager
  # and the scheduler talk to the API server of their own node.
  kubeconfig "$LAB_DIR/admin.conf" "https://$LB_IP:$API_PORT" admin
  for node in $API_NODES; do
    mkdir -p "$LAB_DIR/$node"
    kubeconfig "$LAB_DIR/$node/controller-manager.conf" "https://${NODE_IP[$node]}:6443" controller-manager
    kubeconfig "$LAB_DIR/$node/scheduler.conf" "https://${NODE_IP[$node]}:6443" scheduler
  done
  # --8<-- [end:kubeconfigs]
}

run_etcd() {
  local NODE=$1 IP=${NODE_IP[$1]}
  # --8<-- [start:etcd]
  # One stacked etcd member on $NODE ($IP). Every member lists all three in --initial-cluster.
  etcd --name="$NODE" \
    --data-dir="$LAB_DIR/$NODE/etcd" \
    --listen-client-urls="https://$IP:2379,https://127.0.0.1:2379" \
    --advertise-client-urls="https://$IP:2379" \
    --listen-peer-urls="https://$IP:2380" \
    --initial-advertise-peer-urls="https://$IP:2380" \
    --initial-cluster="$ETCD_INITIAL_CLUSTER" \
    --initial-cluster-state=new \
    --initial-cluster-token=cka-ha-lab \
    --client-cert-auth=true \
    --trusted-ca-file="$PKI/etcd/ca.crt" \
    --cert-file="$PKI/etcd/$NODE-server.crt" \
    --key-file="$PKI/etcd/$NODE-server.key" \
    --peer-client-cert-auth=true \
    --peer-trusted-ca-file="$PKI/etcd/ca.crt" \
    --peer-cert-file="$PKI/etcd/$NODE-peer.crt" \
    --peer-key-file="$PKI/etcd/$NODE-peer.key" \
    --listen-metrics-urls=http://127.0.0.1:2381
  # --8<-- [end:etcd]
}

run_kube_apiserver() {
  local IP=${NODE_IP[$1]}
  # --8<-- [start:kube-apiserver]
  # An API server on $IP:6443 that knows all three etcd members (ETCD_SERVERS is
  # https://<node 1>:2379,https://<node 2>:2379,https://<node 3>:2379).
  kube-apiserver \
    --advertise-address="$IP" \
    --secure-port=6443 \
    --etcd-servers="$ETCD_SERVERS" \
    --etcd-cafile="$PKI/etcd/ca.crt" \
    --etcd-certfile="$PKI/apiserver-etcd-client.crt" \
    --etcd-keyfile="$PKI/apiserver-etcd-client.key" \
    --client-ca-file="$PKI/ca.crt" \
    --tls-cert-file="$PKI/apiserver.crt" \
    --tls-private-key-file="$PKI/apiserver.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction
  # --8<-- [end:kube-apiserver]
}

run_kube_controller_manager() {
  local NODE=$1
  # --8<-- [start:kube-controller-manager]
  # Leader election is on by default; the lab shortens its timings (defaults: 15s, 10s, 2s)
  # so that a takeover takes seconds, not a quarter of a minute.
  kube-controller-manager \
    --kubeconfig="$LAB_DIR/$NODE/controller-manager.conf" \
    --authentication-kubeconfig="$LAB_DIR/$NODE/controller-manager.conf" \
    --authorization-kubeconfig="$LAB_DIR/$NODE/controller-manager.conf" \
    --bind-address=127.0.0.1 \
    --leader-elect=true \
    --leader-elect-lease-duration=6s \
    --leader-elect-renew-deadline=4s \
    --leader-elect-retry-period=1s \
    --root-ca-file="$PKI/ca.crt" \
    --service-account-private-key-file="$PKI/sa.key" \
    --use-service-account-credentials=true
  # --8<-- [end:kube-controller-manager]
}

run_kube_scheduler() {
  local NODE=$1
  # --8<-- [start:kube-scheduler]
  kube-scheduler \
    --kubeconfig="$LAB_DIR/$NODE/scheduler.conf" \
    --authentication-kubeconfig="$LAB_DIR/$NODE/scheduler.conf" \
    --authorization-kubeconfig="$LAB_DIR/$NODE/scheduler.conf" \
    --bind-address=127.0.0.1 \
    --leader-elect=true \
    --leader-elect-lease-duration=6s \
    --leader-elect-renew-deadline=4s \
    --leader-elect-retry-period=1s
  # --8<-- [end:kube-scheduler]
}

run_haproxy() {
  # --8<-- [start:haproxy]
  # The load balancer runs the page's haproxy.cfg as it is, in the foreground (-db).
  haproxy -db -f "$HAPROXY_CFG"
  # --8<-- [end:haproxy]
}

# --8<-- [start:client]
# etcdctl and kubectl on a control plane node. etcdctl reads its endpoints and TLS files
# from ETCDCTL_* variables; kubectl's kubeconfig names only the load balancer.
export ETCDCTL_ENDPOINTS=$ETCD_SERVERS
export ETCDCTL_CACERT=$PKI/etcd/ca.crt
export ETCDCTL_CERT=$PKI/etcd/healthcheck-client.crt
export ETCDCTL_KEY=$PKI/etcd/healthcheck-client.key
export KUBECONFIG=$LAB_DIR/admin.conf
# --8<-- [end:client]

# start COMPONENT NODE: run a component on a node: in the node's network namespace, with the
# node's name as host name (the leader election identity starts with it).
start() {
  local component=$1 node=$2
  [[ $node == lb || -n ${NODE_IP[$node]:-} ]] || die "unknown node $node"
  exec ip netns exec "$(netns_of "$node")" unshare --uts bash "$SELF" on-node "$node" "$component"
}

on_node() {
  local node=$1 component=$2
  hostname "$node"
  case $component in
    etcd) run_etcd "$node" ;;
    kube-apiserver) run_kube_apiserver "$node" ;;
    kube-controller-manager) run_kube_controller_manager "$node" ;;
    kube-scheduler) run_kube_scheduler "$node" ;;
    haproxy) run_haproxy ;;
    *) die "unknown component $component" ;;
  esac
}

case ${1:-} in
  network) network_up ;;
  down) network_down; rm -rf "$LAB_DIR" ;;
  pki) pki ;;
  kubeconfigs) kubeconfigs ;;
  start) shift; start "$@" ;;
  on-node) shift; on_node "$@" ;;
  # client [VARIABLE=VALUE...] COMMAND...: run etcdctl or kubectl on CLIENT_NODE with the variables above.
  client) shift; exec ip netns exec "$(netns_of "$CLIENT_NODE")" env "$@" ;;
  *) die "usage: lab.sh network|pki|kubeconfigs|start COMPONENT NODE|client COMMAND...|down" ;;
esac
