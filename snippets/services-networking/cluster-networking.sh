#!/usr/bin/env bash
# Cluster networking checks on a node: unique identity, listening ports, reachability, routes
# and the addresses Kubernetes reports for its nodes.
# Page: docs/services-networking/cluster-networking
# Runs on: any Linux host (read-only; informative everywhere). On a kubeadm control plane node
#   the port sections find 6443, 2379-2380, 10250, 10257 and 10259; on a worker 10250 and 10256.
#   The nodes section needs kubectl and a reachable cluster (the lab cluster, or a kubeadm node);
#   without one it says so and moves on. As root, ss also names the process behind each port.
set -euo pipefail

TARGET=${TARGET:-127.0.0.1}    # where the reachability check connects (another node's address)
PORTS=${PORTS:-"6443 2379 2380 10250 10256 10257 10259"}

# --8<-- [start:identity]
hostname                                        # must differ on every node
ip -br link                                     # MAC addresses: must differ on every node
if [[ -r /sys/class/dmi/id/product_uuid ]]; then
  cat /sys/class/dmi/id/product_uuid            # must differ too (cloned VMs sometimes share it)
else
  echo "product_uuid: not readable here (needs root, and a machine that exposes DMI)"
fi
# --8<-- [end:identity]

# --8<-- [start:listening]
# Which Kubernetes ports listen on this machine, and which process owns each one.
ss -ltnp '( sport = :6443 or sport = :2379 or sport = :2380 or sport = :10250' \
         'or sport = :10256 or sport = :10257 or sport = :10259 )'
# --8<-- [end:listening]

# --8<-- [start:reachable]
# Can a TCP connection to each port be opened? (what `nc -zv TARGET PORT` tells you)
for port in $PORTS; do
  # shellcheck disable=SC2016  # $0 and $1 belong to the inner bash
  if timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$TARGET" "$port" 2>/dev/null; then
    echo "$TARGET:$port open"
  else
    echo "$TARGET:$port closed"
  fi
done
# --8<-- [end:reachable]

# --8<-- [start:routes]
ip -4 addr show scope global                    # the node's addresses (INTERNAL-IP is one of them)
ip route                                        # the default route picks the interface the node uses
# --8<-- [end:routes]

# --8<-- [start:nodes]
if command -v kubectl >/dev/null && kubectl get nodes >/dev/null 2>&1; then
  kubectl get nodes -o wide                     # INTERNAL-IP, kubelet version, container runtime
  kubectl get nodes -o custom-columns='NAME:.metadata.name,POD-CIDR:.spec.podCIDR'
else
  echo "no reachable cluster: skipped kubectl get nodes"
fi
# --8<-- [end:nodes]
