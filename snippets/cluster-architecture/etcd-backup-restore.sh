#!/usr/bin/env bash
# Back up etcd with a snapshot and restore it into a new data directory, the way a kubeadm
# control plane node does it: etcdctl saves over TLS, etcdutl (etcd 3.6) checks and restores offline.
# Page: docs/cluster-architecture/backup-restore
# Runs on: kubeadm node only (control plane, as root), or the lab host as root with every path below
# pointed at a TLS etcd and a copy of its static Pod manifest.
# Usage: etcd-backup-restore.sh [section ...]; sections run in file order. No argument runs only the
# harmless ones (tools, inspect, save, status); restore, point-static-pod and verify run only when named.
set -euo pipefail

# Where etcd listens and which certificates it trusts: read them from the etcd static Pod manifest
# (--listen-client-urls, --trusted-ca-file, --cert-file, --key-file).
ENDPOINTS=${ETCDCTL_ENDPOINTS:-https://127.0.0.1:2379}
# etcdctl 3.6 stops with a fatal error when a flag and its ETCDCTL_* variable are both set,
# so the values travel as flags only.
unset ETCDCTL_ENDPOINTS ETCDCTL_CACERT ETCDCTL_CERT ETCDCTL_KEY
ETCD_CACERT=${ETCD_CACERT:-/etc/kubernetes/pki/etcd/ca.crt}
ETCD_CERT=${ETCD_CERT:-/etc/kubernetes/pki/etcd/server.crt}
ETCD_KEY=${ETCD_KEY:-/etc/kubernetes/pki/etcd/server.key}
SNAPSHOT=${SNAPSHOT:-/opt/etcd-backup.db}
# A new, empty directory: etcdutl refuses to restore into a directory that has files in it.
RESTORE_DIR=${RESTORE_DIR:-/var/lib/etcd-restore}
ETCD_MANIFEST=${ETCD_MANIFEST:-/etc/kubernetes/manifests/etcd.yaml}
# The data directory the manifest mounts today (kubeadm's default).
OLD_DATA_DIR=${OLD_DATA_DIR:-/var/lib/etcd}
# A copy of the manifest before the edit, kept outside the manifests directory: the kubelet reads
# every file there whose name does not start with a dot, and of two files that declare the same
# Pod it keeps one and drops the other as a duplicate (possibly keeping the old copy).
MANIFEST_BACKUP=${MANIFEST_BACKUP:-/root/etcd.yaml.before-restore}

ALL="tools inspect save status restore point-static-pod verify"
DEFAULT="tools inspect save status"
SECTIONS=${*:-$DEFAULT}
for section in $SECTIONS; do
  [[ " $ALL " == *" $section "* ]] || { echo "unknown section: $section (sections: $ALL)" >&2; exit 2; }
done
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want tools; then
# --8<-- [start:tools]
# Which etcd tools this node has, and their versions. The etcdctl of etcd 3.6 has no
# `snapshot restore` (3.5 still has it, deprecated); etcdutl restores in both.
etcdctl version
if command -v etcdutl >/dev/null; then etcdutl version; else echo "etcdutl: not installed"; fi
# --8<-- [end:tools]
fi

if want inspect; then
# --8<-- [start:inspect]
# The flags to copy into etcdctl, and the host directory that holds the data.
grep -E -- '--(listen-client-urls|trusted-ca-file|cert-file|key-file|data-dir)=' "$ETCD_MANIFEST"
grep -E '^[[:space:]]+path:' "$ETCD_MANIFEST"
# --8<-- [end:inspect]
fi

if want save; then
# --8<-- [start:save]
# Ask the running etcd for a consistent snapshot, over TLS with a client certificate.
etcdctl --endpoints="$ENDPOINTS" \
  --cacert="$ETCD_CACERT" --cert="$ETCD_CERT" --key="$ETCD_KEY" \
  snapshot save "$SNAPSHOT"
# --8<-- [end:save]
fi

if want status; then
# --8<-- [start:status]
# Read the file offline: hash, revision, number of keys, size. No certificates needed.
etcdutl --write-out=table snapshot status "$SNAPSHOT"
# --8<-- [end:status]
fi

if want restore; then
# --8<-- [start:restore]
# Build a fresh data directory from the snapshot. The running etcd is not touched yet.
etcdutl snapshot restore "$SNAPSHOT" --data-dir "$RESTORE_DIR"
ls "$RESTORE_DIR/member"
# --8<-- [end:restore]
fi

if want point-static-pod; then
# --8<-- [start:point-static-pod]
# Point the etcd-data hostPath at the restored directory. The sed matches the key `path:` with the
# old directory as its whole value, so `mountPath:` and `--data-dir=` stay as they are.
cp "$ETCD_MANIFEST" "$MANIFEST_BACKUP"
sed -i -E "s#^([[:space:]]+path: )${OLD_DATA_DIR}[[:space:]]*\$#\\1${RESTORE_DIR}#" "$ETCD_MANIFEST"
grep -E '^[[:space:]]+path:' "$ETCD_MANIFEST"
# The kubelet sees the changed manifest and recreates the etcd Pod on the restored data.
# --8<-- [end:point-static-pod]
fi

if want verify; then
# --8<-- [start:verify]
# Wait until the API server answers again on top of the restored etcd (up to 5 minutes).
for _ in $(seq 60); do
  kubectl get --raw=/readyz >/dev/null 2>&1 && break
  sleep 5
done
kubectl -n kube-system get pods -l component=etcd
# --8<-- [end:verify]
fi
