#!/usr/bin/env bash
# Network namespaces by hand: a veth pair, the netmask pitfall, a Linux bridge, a route to the
# host's network, NAT (MASQUERADE) for outbound traffic and port forwarding (DNAT).
# Page: docs/background/network-namespaces
# Runs on: host as root (a throwaway machine or CI); needs iproute2, iptables, iputils-ping, python3.
#   It creates only namespaces and links whose names start with $PREFIX, uses the subnets
#   $SUBNET.0/24 and $LAN.0/24 (refused if the host already routes them), adds iptables rules
#   that name its own bridge, subnet or addresses, and removes all of it when it exits.
#   Every ping is a check: `set -e` stops the script at the first one that fails.
#   `network-namespaces.sh cleanup` removes what an interrupted run left (same variables);
#   KEEP=1 leaves the lab in place after the checks so you can explore it.
set -euo pipefail

PREFIX=${PREFIX:-cka-}          # start of every namespace and link name (at most 4 characters)
SUBNET=${SUBNET:-192.168.15}    # the namespaces' network: $SUBNET.0/24, the bridge is $SUBNET.5
LAN=${LAN:-203.0.113}           # a simulated network behind the host (TEST-NET-3): $LAN.0/24
PORT=${PORT:-8080}              # host port forwarded to the web server in the blue namespace
KEEP=${KEEP:-0}                 # 1 = do not clean up after a successful run

RED=${PREFIX}red
BLUE=${PREFIX}blue
ORANGE=${PREFIX}orange
LANHOST=${PREFIX}lanhost        # plays "another machine on the host's network"
BRIDGE=${PREFIX}v-net-0
VETH_RED=${PREFIX}veth-red
VETH_BLUE=${PREFIX}veth-blue
LAN_IF=${PREFIX}lan0            # the host's leg on the simulated network ($LAN.1)
FORWARD_STATE=/run/${PREFIX}netns-lab.ip_forward
WEBROOT=/run/${PREFIX}netns-lab-www     # what the web server in blue serves

die() { echo "network namespace lab: $*" >&2; exit 1; }

# A command that must fail: the lab shows what breaks before it shows the fix.
expect_failure() {
  if "$@"; then die "expected this to fail: $*"; fi
  echo "(failed, as expected)"
}

# One HTTP request with bash's /dev/tcp, from inside a namespace: http_get NAMESPACE HOST PORT
# shellcheck disable=SC2016  # $1 and $2 belong to the inner bash
http_get() {
  ip netns exec "$1" timeout 5 bash -c \
    'exec 3<>"/dev/tcp/$1/$2" && printf "GET / HTTP/1.0\r\n\r\n" >&3 && cat <&3' http_get "$2" "$3"
}

# Remove every copy of one iptables rule: delete_rule TABLE CHAIN RULE...
delete_rule() {
  local table=$1 chain=$2
  shift 2
  while iptables -t "$table" -C "$chain" "$@" 2>/dev/null; do
    iptables -t "$table" -D "$chain" "$@"
  done
}

# --8<-- [start:cleanup]
cleanup() {
  local ns pid link
  for ns in "$RED" "$BLUE" "$ORANGE" "$LANHOST"; do
    if [[ -e /run/netns/$ns ]]; then
      for pid in $(ip netns pids "$ns"); do kill "$pid" 2>/dev/null || true; done
      ip netns del "$ns"        # also destroys the veth ends inside, and so their peers
    fi
  done
  for link in "$BRIDGE" "$LAN_IF" "$VETH_RED" "$VETH_BLUE" \
              "${PREFIX}red-br" "${PREFIX}blue-br" "${PREFIX}orange-br"; do
    # A veth end can vanish on its own once its peer's namespace is gone: ignore that race.
    if ip link show "$link" >/dev/null 2>&1; then ip link del "$link" 2>/dev/null || true; fi
  done
  delete_rule nat POSTROUTING -s "$SUBNET.0/24" ! -o "$BRIDGE" -j MASQUERADE
  delete_rule nat PREROUTING -d "$LAN.1" -p tcp --dport "$PORT" -j DNAT --to-destination "$SUBNET.2:80"
  delete_rule filter FORWARD -i "$BRIDGE" -j ACCEPT
  delete_rule filter FORWARD -o "$BRIDGE" -j ACCEPT
  if [[ -f $FORWARD_STATE ]]; then            # put ip_forward back as the lab found it
    cat "$FORWARD_STATE" > /proc/sys/net/ipv4/ip_forward
    rm -f "$FORWARD_STATE"
  fi
  rm -rf "$WEBROOT"
}
# --8<-- [end:cleanup]

if [[ ${1:-} == cleanup ]]; then
  cleanup
  echo "network namespace lab: cleaned up"
  exit 0
fi

# Preflight: root, tools, short enough names, free subnets.
[[ $EUID -eq 0 ]] || die "run as root (it creates namespaces, links and iptables rules)"
for tool in ip iptables ping python3 timeout; do
  command -v "$tool" >/dev/null || die "missing $tool (apt-get install -y iproute2 iptables iputils-ping python3)"
done
for name in "$ORANGE" "$LANHOST" "$BRIDGE" "$VETH_BLUE" "${PREFIX}veth-orange" "${PREFIX}orange-br"; do
  (( ${#name} <= 15 )) || die "link/namespace name '$name' is longer than 15 characters: shorten PREFIX"
done
cleanup                                          # leftovers of an interrupted run, if any
for net in "$SUBNET.0/24" "$LAN.0/24"; do
  [[ -z $(ip -4 route show root "$net") ]] || die "the host already routes $net: set SUBNET or LAN"
done

on_exit() {
  local rc=$?
  if (( rc != 0 )) || [[ $KEEP != 1 ]]; then cleanup; fi
  if (( rc != 0 )); then echo "network namespace lab: FAILED (exit $rc); everything was removed" >&2; fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

echo "== 1. two namespaces joined by a veth pair"
# --8<-- [start:namespaces]
ip netns add "$RED"
ip netns add "$BLUE"
ip netns list
ip -n "$RED" link                 # only a loopback device, and it is down
# --8<-- [end:namespaces]

# --8<-- [start:veth-pair]
ip link add "$VETH_RED" type veth peer name "$VETH_BLUE"   # the notes' "vech-blue" is a typo
ip link set "$VETH_RED" netns "$RED"
ip link set "$VETH_BLUE" netns "$BLUE"
ip -n "$RED" link set "$VETH_RED" up
ip -n "$BLUE" link set "$VETH_BLUE" up
# --8<-- [end:veth-pair]

echo "== 2. the netmask pitfall"
# --8<-- [start:netmask-pitfall]
ip -n "$RED" addr add "$SUBNET.1" dev "$VETH_RED"      # no prefix length: the kernel adds a /32
ip -n "$BLUE" addr add "$SUBNET.2" dev "$VETH_BLUE"
ip -n "$RED" -4 addr show dev "$VETH_RED"
ip -n "$RED" route                                     # empty: a /32 creates no connected route
expect_failure ip netns exec "$RED" ping -c 1 -W 2 "$SUBNET.2"
# --8<-- [end:netmask-pitfall]

# --8<-- [start:netmask-fix]
ip -n "$RED" addr flush dev "$VETH_RED"
ip -n "$BLUE" addr flush dev "$VETH_BLUE"
ip -n "$RED" addr add "$SUBNET.1/24" dev "$VETH_RED"
ip -n "$BLUE" addr add "$SUBNET.2/24" dev "$VETH_BLUE"
ip -n "$RED" route
ip netns exec "$RED" ping -c 1 -W 2 "$SUBNET.2"
ip -n "$RED" neigh                                     # red learned blue's MAC address (ARP)
# --8<-- [end:netmask-fix]

# --8<-- [start:veth-delete]
ip -n "$RED" link del "$VETH_RED"                      # deleting one end removes its peer too
# --8<-- [end:veth-delete]

echo "== 3. a Linux bridge joining three namespaces"
# --8<-- [start:bridge]
ip link add "$BRIDGE" type bridge
ip link set "$BRIDGE" up
ip addr add "$SUBNET.5/24" dev "$BRIDGE"               # the host's address on the namespaces' network
# --8<-- [end:bridge]

# --8<-- [start:bridge-attach]
ip netns add "$ORANGE"
attach() {                      # attach COLOR HOST_NUMBER: one veth pair from a namespace to the bridge
  local ns=${PREFIX}$1 veth=${PREFIX}veth-$1 br_end=${PREFIX}$1-br
  ip link add "$veth" type veth peer name "$br_end"
  ip link set "$veth" netns "$ns"
  ip link set "$br_end" master "$BRIDGE"
  ip -n "$ns" addr add "$SUBNET.$2/24" dev "$veth"
  ip -n "$ns" link set "$veth" up
  ip -n "$ns" link set lo up
  ip link set "$br_end" up
}
attach red 1
attach blue 2
attach orange 3
ip -br link show master "$BRIDGE"
# --8<-- [end:bridge-attach]

# --8<-- [start:forward-accept]
# Hosts with Docker or Kubernetes often have a FORWARD policy of DROP and send bridged
# traffic through iptables (br_netfilter); let the lab's bridge through explicitly.
iptables -I FORWARD -i "$BRIDGE" -j ACCEPT
iptables -I FORWARD -o "$BRIDGE" -j ACCEPT
# --8<-- [end:forward-accept]

# --8<-- [start:bridge-ping]
ip netns exec "$RED" ping -c 1 -W 2 "$SUBNET.2"        # red -> blue
ip netns exec "$RED" ping -c 1 -W 2 "$SUBNET.3"        # red -> orange
ip netns exec "$ORANGE" ping -c 1 -W 2 "$SUBNET.2"     # orange -> blue
ip netns exec "$BLUE" ping -c 1 -W 2 "$SUBNET.5"       # blue -> the bridge address on the host
ping -c 1 -W 2 "$SUBNET.1"                             # the host -> red, through the bridge
# --8<-- [end:bridge-ping]

echo "== 4. reaching the host's network: a route, forwarding and NAT"
# A stand-in for the host's LAN: the host gets $LAN.1, another "machine" (a namespace) $LAN.2.
# That machine has no route to $SUBNET.0/24, like any machine on a real LAN.
# --8<-- [start:lan]
ip netns add "$LANHOST"
ip link add "$LAN_IF" type veth peer name eth0 netns "$LANHOST"
ip addr add "$LAN.1/24" dev "$LAN_IF"
ip link set "$LAN_IF" up
ip -n "$LANHOST" addr add "$LAN.2/24" dev eth0
ip -n "$LANHOST" link set eth0 up
ip -n "$LANHOST" link set lo up
# --8<-- [end:lan]

# --8<-- [start:route-to-lan]
expect_failure ip netns exec "$BLUE" ping -c 1 -W 2 "$LAN.1"   # blue has no route to the LAN yet
ip netns exec "$BLUE" ip route add "$LAN.0/24" via "$SUBNET.5"
ip netns exec "$BLUE" ping -c 1 -W 2 "$LAN.1"                  # the host's own LAN address answers
# --8<-- [end:route-to-lan]

# --8<-- [start:ip-forward]
cat /proc/sys/net/ipv4/ip_forward > "$FORWARD_STATE"           # remembered; cleanup restores it
echo 1 > /proc/sys/net/ipv4/ip_forward
# The packet now leaves the host with source $SUBNET.2; the LAN machine cannot answer that address.
expect_failure ip netns exec "$BLUE" ping -c 1 -W 2 "$LAN.2"
# --8<-- [end:ip-forward]

# --8<-- [start:masquerade]
iptables -t nat -A POSTROUTING -s "$SUBNET.0/24" ! -o "$BRIDGE" -j MASQUERADE
ip netns exec "$BLUE" ping -c 1 -W 2 "$LAN.2"                  # leaves as $LAN.1: the reply finds its way
iptables -t nat -S POSTROUTING | grep -- "-s $SUBNET.0/24"
# --8<-- [end:masquerade]

# --8<-- [start:default-route]
ip netns exec "$ORANGE" ip route add default via "$SUBNET.5"   # everything not local goes to the host
ip netns exec "$ORANGE" ip route
ip netns exec "$ORANGE" ping -c 1 -W 2 "$LAN.2"
# --8<-- [end:default-route]

echo "== 5. port forwarding into a namespace (DNAT)"
mkdir -p "$WEBROOT"
echo "hello from $BLUE" > "$WEBROOT/index.html"
ip netns exec "$BLUE" python3 -m http.server 80 --bind "$SUBNET.2" --directory "$WEBROOT" >/dev/null 2>&1 &
for _ in $(seq 50); do                                   # wait until the server answers
  if http_get "$RED" "$SUBNET.2" 80 >/dev/null 2>&1; then break; fi
  sleep 0.2
done

# --8<-- [start:dnat]
expect_failure http_get "$LANHOST" "$LAN.1" "$PORT"     # nothing listens on the host's port
iptables -t nat -A PREROUTING -d "$LAN.1" -p tcp --dport "$PORT" -j DNAT --to-destination "$SUBNET.2:80"
response=$(http_get "$LANHOST" "$LAN.1" "$PORT")        # ask the host; blue's web server answers
echo "$response"
grep -q "hello from $BLUE" <<<"$response"
# --8<-- [end:dnat]

echo "network namespace lab: all checks passed"
if [[ $KEEP == 1 ]]; then echo "KEEP=1: the lab stays; remove it with: $0 cleanup"; fi
