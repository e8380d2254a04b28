#!/usr/bin/env bash
# Name resolution on Linux: /etc/hosts, /etc/resolv.conf, /etc/nsswitch.conf and the query
# tools, then a standalone CoreDNS server answering a client in a second network namespace.
# Page: docs/background/dns
# Runs on: any Linux host for the read-only sections (files, getent, tools); the lab sections
#   run only as root with coredns, dig and nslookup on PATH (host as root: a throwaway machine
#   or CI; `go install github.com/coredns/coredns@<version>` builds coredns, dnsutils has
#   dig and nslookup). The lab creates the namespaces $PREFIX-dns-server and $PREFIX-dns-client
#   and their files under /etc/netns/, runs manifests/background/dns/Corefile, and removes
#   everything when it exits. It never edits the host's own /etc/hosts or /etc/resolv.conf.
set -euo pipefail

PREFIX=${PREFIX:-cka-}
COREDNS=${COREDNS:-coredns}                                   # path to the coredns binary
COREFILE=${COREFILE:-$(cd "$(dirname "$0")/../.." && pwd)/manifests/background/dns/Corefile}

SERVER=${PREFIX}dns-server        # 192.168.1.100, runs CoreDNS
CLIENT=${PREFIX}dns-client        # 192.168.1.10, has its own /etc/hosts, resolv.conf, nsswitch.conf
LOG=/run/${PREFIX}dns-coredns.log # what CoreDNS prints (the log plugin: one line per query)

# --8<-- [start:files]
cat /etc/hosts                                     # local name -> address table
if [[ -f /etc/resolv.conf ]]; then cat /etc/resolv.conf; fi   # nameserver, search, options
if [[ -f /etc/nsswitch.conf ]]; then grep '^hosts:' /etc/nsswitch.conf; fi   # lookup order
# --8<-- [end:files]

# --8<-- [start:getent]
getent hosts localhost           # resolves like applications do: nsswitch.conf order, /etc/hosts first
# --8<-- [end:getent]

# --8<-- [start:tools]
for tool in nslookup dig host; do  # DNS-only query tools (package dnsutils or bind-utils)
  if command -v "$tool" >/dev/null; then echo "$tool: $(command -v "$tool")"; else echo "$tool: not installed"; fi
done
# --8<-- [end:tools]

missing=""
[[ $EUID -eq 0 ]] || missing="root"
for tool in "$COREDNS" dig nslookup getent; do
  command -v "$tool" >/dev/null || missing="$missing $tool"
done
if [[ -n $missing ]]; then
  echo "DNS lab skipped: needs${missing:+ }${missing# }"
  exit 0
fi

cleanup() {
  local ns pid
  for ns in "$SERVER" "$CLIENT"; do
    if [[ -e /run/netns/$ns ]]; then
      for pid in $(ip netns pids "$ns"); do kill "$pid" 2>/dev/null || true; done
      ip netns del "$ns"
    fi
    rm -rf "/etc/netns/$ns"
  done
  rm -f "$LOG"
}
cleanup                                            # leftovers of an interrupted run, if any
trap cleanup EXIT

# A command that must fail: the lab shows what breaks before it shows the fix.
expect_failure() {
  if "$@"; then echo "expected this to fail: $*" >&2; exit 1; fi
  echo "(failed, as expected)"
}
# One exact answer: expect_answer WANT COMMAND...
expect_answer() {
  local want=$1 got
  shift
  got=$("$@")
  echo "$got"
  [[ $got == *"$want"* ]] || { echo "expected '$want' from: $*" >&2; exit 1; }
}

# --8<-- [start:lab-setup]
# Files in /etc/netns/NAME/ replace /etc/hosts, /etc/resolv.conf ... for `ip netns exec NAME`.
mkdir -p "/etc/netns/$SERVER" "/etc/netns/$CLIENT"
cat > "/etc/netns/$SERVER/hosts" <<'EOF'
127.0.0.1     localhost
192.168.1.11  web.mycompany.test
192.168.1.12  db.mycompany.test
192.168.1.13  app.mycompany.test
fd00:1::13    app.mycompany.test
EOF
cat > "/etc/netns/$CLIENT/hosts" <<'EOF'
127.0.0.1     localhost
192.168.1.30  nas
192.168.1.21  db
EOF
cat > "/etc/netns/$CLIENT/resolv.conf" <<'EOF'
nameserver 192.168.1.100
search mycompany.test
EOF
cat > "/etc/netns/$CLIENT/nsswitch.conf" <<'EOF'
passwd: files
group:  files
hosts:  files dns
EOF
ip netns add "$SERVER"
ip netns add "$CLIENT"
ip link add eth0 netns "$CLIENT" type veth peer name eth0 netns "$SERVER"
ip -n "$CLIENT" addr add 192.168.1.10/24 dev eth0
ip -n "$SERVER" addr add 192.168.1.100/24 dev eth0
for ns in "$CLIENT" "$SERVER"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
done
# --8<-- [end:lab-setup]

# --8<-- [start:lab-coredns]
ip netns exec "$SERVER" "$COREDNS" -conf "$COREFILE" > "$LOG" 2>&1 &
for _ in $(seq 50); do                             # wait until CoreDNS answers
  answer=$(ip netns exec "$CLIENT" dig +short +time=1 +tries=1 @192.168.1.100 web.mycompany.test 2>&1 || true)
  if [[ $answer == 192.168.1.11 ]]; then break; fi
  sleep 0.2
done
ip netns exec "$CLIENT" dig @192.168.1.100 web.mycompany.test
# --8<-- [end:lab-coredns]

# --8<-- [start:lab-hosts-vs-dns]
expect_answer 192.168.1.30 ip netns exec "$CLIENT" getent hosts nas   # the client's /etc/hosts
expect_failure ip netns exec "$CLIENT" nslookup nas                   # nslookup asks DNS only
# --8<-- [end:lab-hosts-vs-dns]

# --8<-- [start:lab-search]
expect_answer 192.168.1.11 ip netns exec "$CLIENT" getent hosts web   # search: web.mycompany.test
expect_answer 192.168.1.11 ip netns exec "$CLIENT" nslookup web       # nslookup uses search too
expect_answer SERVFAIL ip netns exec "$CLIENT" dig web                # dig asks for "web." as typed
expect_answer 192.168.1.11 ip netns exec "$CLIENT" dig +short +search web
# --8<-- [end:lab-search]

# --8<-- [start:lab-records]
expect_answer 192.168.1.13 ip netns exec "$CLIENT" dig +short app.mycompany.test A
expect_answer fd00:1::13 ip netns exec "$CLIENT" dig +short app.mycompany.test AAAA
expect_answer web.mycompany.test ip netns exec "$CLIENT" dig +short -x 192.168.1.11   # PTR
# --8<-- [end:lab-records]

# --8<-- [start:lab-nsswitch]
expect_answer 192.168.1.21 ip netns exec "$CLIENT" getent hosts db    # hosts: files dns
sed -i 's/^hosts:.*/hosts:  dns files/' "/etc/netns/$CLIENT/nsswitch.conf"
expect_answer 192.168.1.12 ip netns exec "$CLIENT" getent hosts db    # hosts: dns files
# --8<-- [end:lab-nsswitch]

cat "$LOG"
echo "DNS lab: all checks passed"
