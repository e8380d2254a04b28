#!/usr/bin/env bash
# See how a container runtime stores data: the storage driver, an image's read-only layers,
# a container's copy-on-write layer, a named volume (with a volume driver option) and a
# bind mount. The last section looks at containerd inside a kind node.
# Page: docs/background/container-storage
# Runs on: a host with Docker (not the lab cluster); pulls busybox:1.37.0. The crictl
# section runs only when a kind node container named $KIND_NODE exists; on any real node of
# the practice cluster (kubeadm or kind runtime) run its two crictl commands through
# ssh controlplane instead. Everything the script creates is removed at the end.
set -euo pipefail

IMAGE=${IMAGE:-busybox:1.37.0}
NAME=${NAME:-cow-demo}
VOLUME=${VOLUME:-data-demo}
TMPFS_VOLUME=${TMPFS_VOLUME:-scratch-demo}
BIND_DIR=${BIND_DIR:-$(mktemp -d)}
KIND_NODE=${KIND_NODE:-cka-control-plane}   # the practice cluster's kind control plane container

cleanup() {
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  docker volume rm "$VOLUME" "$TMPFS_VOLUME" >/dev/null 2>&1 || true
  rm -rf "$BIND_DIR"
}
trap cleanup EXIT

# --8<-- [start:driver]
docker info 2>/dev/null | grep -E 'Storage Driver|driver-type|Backing Filesystem|Docker Root Dir'
# --8<-- [end:driver]

# --8<-- [start:layers]
docker pull "$IMAGE"
docker image history "$IMAGE"
docker image inspect --format '{{json .RootFS.Layers}}' "$IMAGE"
# --8<-- [end:layers]

# --8<-- [start:cow]
docker run --name "$NAME" "$IMAGE" sh -c 'echo hello > /tmp/hello.txt && rm /bin/vi'
docker diff "$NAME"
docker rm "$NAME"
# --8<-- [end:cow]

# --8<-- [start:volume]
docker volume create "$VOLUME"
docker run --rm -v "$VOLUME":/data "$IMAGE" sh -c 'echo kept > /data/file.txt'
docker run --rm --mount type=volume,source="$VOLUME",target=/data "$IMAGE" cat /data/file.txt
docker volume inspect "$VOLUME"
# --8<-- [end:volume]

# --8<-- [start:volume-driver]
docker volume create --driver local --opt type=tmpfs --opt device=tmpfs --opt o=size=64m "$TMPFS_VOLUME"
docker run --rm --mount type=volume,source="$TMPFS_VOLUME",target=/scratch "$IMAGE" df -h /scratch
docker volume ls
# --8<-- [end:volume-driver]

# --8<-- [start:bind]
echo "from the host" > "$BIND_DIR/index.html"
docker run --rm --mount type=bind,source="$BIND_DIR",target=/data,readonly "$IMAGE" cat /data/index.html
# --8<-- [end:bind]

if docker inspect "$KIND_NODE" >/dev/null 2>&1; then
# --8<-- [start:crictl]
docker exec "$KIND_NODE" crictl images
docker exec "$KIND_NODE" crictl imagefsinfo
# --8<-- [end:crictl]
fi
