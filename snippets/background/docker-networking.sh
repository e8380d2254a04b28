#!/usr/bin/env bash
# Docker's network types (none, host, bridge), what the bridge network looks like on the host
# (docker0, one veth per container) and how a published port becomes a DNAT rule.
# Page: docs/background/docker-networking
# Runs on: a host with Docker Engine (the kind runtime's machine), as root for the host-side
#   section (ip, iptables); without docker it prints a skip line and exits 0. It starts one
#   container named $NAME and removes it when it exits.
set -euo pipefail

NAME=${NAME:-cka-web}
WEB_IMAGE=${WEB_IMAGE:-nginx:1.27.3}        # listens on port 80
TOOLS_IMAGE=${TOOLS_IMAGE:-busybox:1.37.0}  # has `ip`
HOST_PORT=${HOST_PORT:-8080}

if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
  echo "docker networking lab skipped: no reachable Docker Engine"
  exit 0
fi
cleanup() { docker rm -f "$NAME" >/dev/null 2>&1 || true; }
cleanup
trap cleanup EXIT

# --8<-- [start:networks]
docker network ls                     # bridge, host and none exist on every Docker host
# --8<-- [end:networks]

# --8<-- [start:none]
docker run --rm --network none "$TOOLS_IMAGE" ip addr      # only lo: no way in or out
# --8<-- [end:none]

# --8<-- [start:host]
docker run --rm --network host "$TOOLS_IMAGE" ip addr      # the host's own interfaces
# --8<-- [end:host]

# --8<-- [start:bridge]
docker run -d --name "$NAME" -p "$HOST_PORT:80" "$WEB_IMAGE"
docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$NAME"
docker exec "$NAME" cat /proc/net/route   # inside: eth0, default route (hex) via the bridge
# --8<-- [end:bridge]

# --8<-- [start:published]
served=no
for _ in $(seq 30); do                # the host port answers with the container's web page
  # shellcheck disable=SC2016  # $0 belongs to the inner bash
  page=$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"; printf "GET / HTTP/1.0\r\n\r\n" >&3; cat <&3' \
         "$HOST_PORT" 2>/dev/null || true)
  if grep -q "Welcome to nginx" <<<"$page"; then
    served=yes
    break
  fi
  sleep 1
done
echo "127.0.0.1:$HOST_PORT -> $NAME:80 served the page: $served"
[[ $served == yes ]]
# --8<-- [end:published]

if [[ $EUID -ne 0 ]]; then
  echo "host-side section skipped: needs root"
  exit 0
fi

# --8<-- [start:host-side]
ip addr show docker0                  # the bridge, with the gateway address of the bridge network
ip link show master docker0           # one veth per running container on that network
iptables -t nat -S POSTROUTING | grep MASQUERADE           # outbound NAT for the bridge subnet
iptables -t nat -S DOCKER | grep -- "--dport $HOST_PORT"   # the published port: a DNAT rule
# --8<-- [end:host-side]
