#!/usr/bin/env bash
# Build a kubeadm cluster of one control plane node and two workers, step by step.
# Page: docs/cluster-architecture/kubeadm-install
# Runs on: a fresh Debian/Ubuntu VM as root (kubeadm node only). Sections prepare-node,
#   containerd and install-packages run on every node; init, cni and join-command on the
#   control plane node only; join on each worker, with JOIN_COMMAND set to the line that
#   join-command printed. Needs the package repositories of the distribution and
#   pkgs.k8s.io. Not run by the lab (no VM there); manifests/cluster-architecture/kubeadm-install/
#   holds the same cluster as a kind configuration.
# Precondition: swap is off or will be turned off below; unique hostname, MAC and
#   product_uuid per node; ports 6443, 2379-2380, 10250, 10257, 10259 open on the
#   control plane and 10250, 10256, 30000-32767 on the workers.
set -euo pipefail

K8S_MINOR=${K8S_MINOR:-1.35}
POD_CIDR=${POD_CIDR:-10.244.0.0/16}
# Where configuration files are written; point it at a scratch directory to try the
# file-writing steps without touching the real /etc.
ETC_DIR=${ETC_DIR:-/etc}
# Flannel's default network is 10.244.0.0/16, the same as POD_CIDR.
FLANNEL_VERSION=${FLANNEL_VERSION:-v0.27.4}
# The whole `kubeadm join ...` line printed by the join-command section (workers only).
JOIN_COMMAND=${JOIN_COMMAND:-}

# --8<-- [start:prepare-node]
# The kubelet refuses to start while swap is on (unless it is configured to tolerate it).
swapoff -a
sed -i.bak '/\sswap\s/ s/^#*/#/' "$ETC_DIR/fstab"

# Kernel modules: overlay for the containerd snapshotter, br_netfilter so that bridged
# Pod traffic passes through iptables (kube-proxy, most CNI plugins).
mkdir -p "$ETC_DIR/modules-load.d" "$ETC_DIR/sysctl.d"
printf 'overlay\nbr_netfilter\n' > "$ETC_DIR/modules-load.d/k8s.conf"
modprobe overlay
modprobe br_netfilter

# Routing between Pods on different nodes needs IP forwarding; bridged traffic must be
# visible to iptables.
cat > "$ETC_DIR/sysctl.d/k8s.conf" <<'EOF'
net.bridge.bridge-nf-call-iptables  = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward                 = 1
EOF
sysctl --system >/dev/null
sysctl net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables
# --8<-- [end:prepare-node]

# --8<-- [start:containerd]
apt-get update
apt-get install -y containerd
mkdir -p "$ETC_DIR/containerd"
# Start from containerd's full default configuration, then switch runc to the systemd
# cgroup driver: the same driver as the kubelet (kubeadm's default is systemd).
containerd config default > "$ETC_DIR/containerd/config.toml"
sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' "$ETC_DIR/containerd/config.toml"
# Some containerd 2.1 releases leave SystemdCgroup out of the default file: then stop here.
if ! grep -n 'SystemdCgroup = true' "$ETC_DIR/containerd/config.toml"; then
  echo "SystemdCgroup is not in config.toml: add 'SystemdCgroup = true' under the runc options table" >&2
  exit 1
fi
systemctl restart containerd
systemctl enable containerd
# --8<-- [end:containerd]

# --8<-- [start:install-packages]
apt-get install -y apt-transport-https ca-certificates curl gpg
install -d -m 755 "$ETC_DIR/apt/keyrings"
# One repository per minor version: v1.35 here. Upgrading to the next minor means
# changing this line first.
curl -fsSL "https://pkgs.k8s.io/core:/stable:/v${K8S_MINOR}/deb/Release.key" \
  | gpg --dearmor --yes -o "$ETC_DIR/apt/keyrings/kubernetes-apt-keyring.gpg"
echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v${K8S_MINOR}/deb/ /" \
  > "$ETC_DIR/apt/sources.list.d/kubernetes.list"
apt-get update
apt-get install -y kubelet kubeadm kubectl
# Keep unattended upgrades away from them: a cluster is upgraded with kubeadm, on purpose.
apt-mark hold kubelet kubeadm kubectl
systemctl enable --now kubelet
kubeadm version -o short
# --8<-- [end:install-packages]

# --8<-- [start:init]
# Control plane node only. Equivalent: kubeadm init --config kubeadm-init.yaml
kubeadm init --pod-network-cidr="$POD_CIDR"

# Give the current user the cluster-admin kubeconfig that kubeadm wrote.
mkdir -p "$HOME/.kube"
cp /etc/kubernetes/admin.conf "$HOME/.kube/config"
chown "$(id -u):$(id -g)" "$HOME/.kube/config"
kubectl get nodes
# --8<-- [end:init]

# --8<-- [start:cni]
# Control plane node only. Until a CNI plugin runs, the nodes stay NotReady and the
# CoreDNS Pods stay Pending.
kubectl apply -f "https://github.com/flannel-io/flannel/releases/download/${FLANNEL_VERSION}/kube-flannel.yml"
kubectl -n kube-flannel rollout status daemonset/kube-flannel-ds --timeout=180s
kubectl wait --for=condition=Ready node --all --timeout=180s
# --8<-- [end:cni]

# --8<-- [start:join-command]
# Control plane node only: a fresh bootstrap token (valid 24 h) and the full join line.
kubeadm token create --print-join-command
# --8<-- [end:join-command]

# --8<-- [start:join]
# Each worker node, as root, with JOIN_COMMAND set to the line printed above, e.g.
# JOIN_COMMAND='kubeadm join 192.168.56.11:6443 --token ... --discovery-token-ca-cert-hash sha256:...'
if [[ -z "$JOIN_COMMAND" ]]; then
  echo "Set JOIN_COMMAND to the output of the join-command section first." >&2
  exit 1
fi
read -r -a join_args <<<"$JOIN_COMMAND"
"${join_args[@]}"
# Back on the control plane node: kubectl get nodes -o wide
# --8<-- [end:join]
