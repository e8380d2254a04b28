#!/usr/bin/env bash
# Where CNI lives on a node, which plugin a cluster runs, and which Pod and Service ranges it uses.
# Page: docs/services-networking/cni, docs/services-networking/pod-networking,
#       docs/services-networking/cni-plugins
# Runs on: lab cluster (binary and kind runtimes) for the kubectl sections.
#   Sections cni-dirs, cni-active and node-routes read a node's own files and routes: on the exam
#   or on a kubeadm node run them there as root; the lab points CNI_CONF_DIR and CNI_BIN_DIR at
#   test directories. Sections cluster-cidr, service-cidr-apiserver and controller-flags need a
#   kubeadm control plane (static Pods, kubeadm's ConfigMaps) and are skipped without one.
#   Section install-cni runs on a kubeadm cluster without a network plugin, only with
#   INSTALL_CNI=yes.
# Section pod-to-pod sends real traffic: it runs only where kube-system has CoreDNS (kind,
#   kubeadm). Cleans up: the Deployment created by section pod-ips.
set -euo pipefail

REPO_ROOT=${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
NAMESPACE=${NAMESPACE:-default}
CNI_CONF_DIR=${CNI_CONF_DIR:-/etc/cni/net.d}
CNI_BIN_DIR=${CNI_BIN_DIR:-/opt/cni/bin}
CONFLIST=${CONFLIST:-$REPO_ROOT/manifests/services-networking/cni/10-bridge.conflist}
IMAGE=${IMAGE:-nginxinc/nginx-unprivileged:1.27.3}
INSTALL_CNI=${INSTALL_CNI:-no}
CNI_MANIFEST=${CNI_MANIFEST:-https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml}

kubeadm_control_plane() {
  kubectl -n kube-system get configmap kubeadm-config >/dev/null 2>&1
}

# --8<-- [start:cni-dirs]
# Configuration files: the runtime (containerd, CRI-O) loads the first one in name order.
ls -l "$CNI_CONF_DIR"
# Plugin binaries: one executable per "type" named in a configuration.
ls "$CNI_BIN_DIR"
# --8<-- [end:cni-dirs]

# --8<-- [start:cni-active]
active=$(find "$CNI_CONF_DIR" -maxdepth 1 -type f \( -name '*.conflist' -o -name '*.conf' -o -name '*.json' \) | sort | head -n 1)
echo "active configuration: $active"
cat "$active"
# --8<-- [end:cni-active]

# --8<-- [start:conflist-check]
# Parse a configuration list and print the plugin chain, in the order the runtime calls it.
python3 - "$CONFLIST" <<'PY'
import json, sys
conf = json.load(open(sys.argv[1]))
print("cniVersion:", conf["cniVersion"], "| network:", conf["name"])
for plugin in conf["plugins"]:
    ipam = plugin.get("ipam", {}).get("type", "-")
    print(f"  plugin {plugin['type']:<8} ipam {ipam}")
PY
# --8<-- [end:conflist-check]

# --8<-- [start:which-cni]
# A network plugin runs as a DaemonSet (one agent Pod per node); its name gives it away.
kubectl get daemonsets -A
# --8<-- [end:which-cni]

# --8<-- [start:pod-cidr]
# The slice of the Pod network that kube-controller-manager gave each node.
kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.spec.podCIDR}{"\n"}{end}'
# --8<-- [end:pod-cidr]

# --8<-- [start:service-cidr]
# The ranges ClusterIPs come from (ServiceCIDR objects, networking.k8s.io/v1).
kubectl get servicecidrs
# The first address of the range always belongs to the kubernetes Service.
kubectl get service kubernetes -n default
# --8<-- [end:service-cidr]

if kubeadm_control_plane; then
# --8<-- [start:cluster-cidr]
# kubeadm keeps the ranges given to kubeadm init (podSubnet, serviceSubnet).
kubectl -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' | grep -E 'podSubnet|serviceSubnet'
# kube-proxy learns the Pod range as clusterCIDR.
kubectl -n kube-system get configmap kube-proxy -o jsonpath='{.data.config\.conf}' | grep clusterCIDR
# --8<-- [end:cluster-cidr]

# --8<-- [start:service-cidr-apiserver]
kubectl -n kube-system get pod -l component=kube-apiserver -o yaml | grep -- --service-cluster-ip-range
# --8<-- [end:service-cidr-apiserver]

# --8<-- [start:controller-flags]
# Node IPAM flags of kube-controller-manager (set by kubeadm when podSubnet is given).
kubectl -n kube-system get pod -l component=kube-controller-manager -o yaml \
  | grep -E -- '--(allocate-node-cidrs|cluster-cidr|node-cidr-mask-size|service-cluster-ip-range)'
# --8<-- [end:controller-flags]
fi

# --8<-- [start:pod-ips]
# Three Pods, spread over the worker nodes: each gets its own IP from its node's podCIDR.
kubectl -n "$NAMESPACE" create deployment ipdemo --image="$IMAGE" --replicas=3 --port=8080
kubectl -n "$NAMESPACE" rollout status deployment ipdemo --timeout=120s
kubectl -n "$NAMESPACE" get pods -l app=ipdemo -o wide
# --8<-- [end:pod-ips]

# Real containers are needed to send traffic; CoreDNS in kube-system marks a real cluster.
if kubectl -n kube-system get deployment coredns >/dev/null 2>&1; then
# --8<-- [start:pod-to-pod]
# From a throw-away Pod, fetch a page straight from another Pod's IP: no Service, no NAT.
target=$(kubectl -n "$NAMESPACE" get pods -l app=ipdemo -o jsonpath='{.items[0].status.podIP}')
kubectl -n "$NAMESPACE" run nettest --image=busybox:1.37.0 --restart=Never --rm -i \
  -- wget -qO- -T 5 "http://$target:8080/"
# --8<-- [end:pod-to-pod]
fi
kubectl -n "$NAMESPACE" delete deployment ipdemo --wait=false

# --8<-- [start:node-routes]
# On a node: the bridge the plugin created, the veth ends of local Pods, and the routes.
ip -brief address show
ip link show type bridge
ip link show type veth
ip route
# --8<-- [end:node-routes]

if [[ "$INSTALL_CNI" == yes ]]; then
# --8<-- [start:install-cni]
# Install the plugin from the manifest the task names; its Pod range must match podSubnet.
kubectl apply -f "$CNI_MANIFEST"
kubectl get daemonsets -A
kubectl wait --for=condition=Ready nodes --all --timeout=300s
# --8<-- [end:install-cni]
fi
