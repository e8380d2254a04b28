#!/usr/bin/env bash
# Switching and routing on Linux: read a host's interfaces, addresses and routes, then build
# two networks joined by a Linux router out of network namespaces.
# Page: docs/background/switching-routing
# Runs on: any Linux host for the read-only sections (inspect, forwarding, persist); the router
#   sections need root and run only when the script runs as root (host as root: a throwaway
#   machine or CI). The router lab lives entirely inside namespaces named $PREFIX*, so its
#   addresses never touch the host's own network; it removes them when it exits.
#   Needs iproute2 (and iputils-ping for the router lab).
set -euo pipefail

PREFIX=${PREFIX:-cka-}                   # start of every namespace name the router lab creates
SYSCTL_DIR=${SYSCTL_DIR:-}              # /etc/sysctl.d on a real node; empty = a scratch directory

HOST_A=${PREFIX}host-a                   # on network 1 (192.168.1.0/24)
ROUTER=${PREFIX}router                   # a Linux host with a leg in each network
HOST_C=${PREFIX}host-c                   # on network 2 (192.168.2.0/24)

cleanup() {
  local ns
  for ns in "$HOST_A" "$ROUTER" "$HOST_C"; do
    if [[ -e /run/netns/$ns ]]; then ip netns del "$ns"; fi
  done
  if [[ -n ${SCRATCH:-} ]]; then rm -rf "$SCRATCH"; fi
}
trap cleanup EXIT
if [[ -z $SYSCTL_DIR ]]; then
  SCRATCH=$(mktemp -d)
  SYSCTL_DIR=$SCRATCH
fi

# --8<-- [start:inspect]
ip link show                 # interfaces: name, state (UP/DOWN), MAC address
ip addr show                 # the same, plus the IP addresses with their prefix length
ip route show                # the routing table; "default via ..." is the default gateway
# --8<-- [end:inspect]

# --8<-- [start:forwarding]
cat /proc/sys/net/ipv4/ip_forward          # 0 = this host does not forward packets between interfaces
if command -v sysctl >/dev/null; then sysctl net.ipv4.ip_forward; fi
# --8<-- [end:forwarding]

# --8<-- [start:persist]
# A file in /etc/sysctl.d survives a reboot; `sysctl --system` applies every such file now.
cat <<'EOF' > "$SYSCTL_DIR/k8s.conf"
net.ipv4.ip_forward = 1
EOF
cat "$SYSCTL_DIR/k8s.conf"
if [[ $SYSCTL_DIR == /etc/sysctl.d ]]; then sysctl --system; fi
# --8<-- [end:persist]

if [[ $EUID -ne 0 ]]; then
  echo "router lab skipped: it needs root (network namespaces)"
  exit 0
fi
command -v ping >/dev/null || { echo "router lab needs ping (apt-get install -y iputils-ping)" >&2; exit 1; }

cleanup                                  # leftovers of an interrupted run, if any

# A command that must fail: the lab shows what breaks before it shows the fix.
expect_failure() {
  if "$@"; then echo "expected this to fail: $*" >&2; exit 1; fi
  echo "(failed, as expected)"
}

# --8<-- [start:router-build]
ip netns add "$HOST_A"
ip netns add "$ROUTER"
ip netns add "$HOST_C"
# Two cables: host A <-> router (network 1) and router <-> host C (network 2).
ip link add eth0 netns "$HOST_A" type veth peer name eth0 netns "$ROUTER"
ip link add eth1 netns "$ROUTER" type veth peer name eth0 netns "$HOST_C"
ip -n "$HOST_A" addr add 192.168.1.5/24 dev eth0
ip -n "$ROUTER" addr add 192.168.1.6/24 dev eth0
ip -n "$ROUTER" addr add 192.168.2.6/24 dev eth1
ip -n "$HOST_C" addr add 192.168.2.5/24 dev eth0
ip -n "$HOST_A" link set eth0 up
ip -n "$ROUTER" link set eth0 up
ip -n "$ROUTER" link set eth1 up
ip -n "$HOST_C" link set eth0 up
# A new namespace copies the host's IPv4 settings; start the router with forwarding off.
ip netns exec "$ROUTER" sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
# --8<-- [end:router-build]

# --8<-- [start:router-no-route]
ip -n "$HOST_A" route                                        # only its own network
expect_failure ip netns exec "$HOST_A" ping -c 1 -W 2 192.168.2.5
# --8<-- [end:router-no-route]

# --8<-- [start:router-routes]
ip -n "$HOST_A" route add 192.168.2.0/24 via 192.168.1.6     # network 2 is behind the router
ip -n "$HOST_C" route add default via 192.168.2.6            # everything else: the default gateway
ip -n "$HOST_A" route
ip -n "$HOST_C" route
ip netns exec "$HOST_A" ping -c 1 -W 2 192.168.1.6           # the router's near leg answers
expect_failure ip netns exec "$HOST_A" ping -c 1 -W 2 192.168.2.5   # but it does not forward yet
# --8<-- [end:router-routes]

# --8<-- [start:router-forward]
ip netns exec "$ROUTER" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
ip netns exec "$HOST_A" ping -c 1 -W 2 192.168.2.5           # A -> router -> C, and back
ip netns exec "$HOST_C" ping -c 1 -W 2 192.168.1.5
# --8<-- [end:router-forward]

echo "switching and routing lab: all checks passed"
