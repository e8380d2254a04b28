"""Container images without a registry: each is an OCI archive built here from a pinned binary
in a minimal root filesystem, named as `kubeadm config images list` prints it, and imported
into every node's containerd with `ctr -n k8s.io images import`.

  kube-apiserver, kube-controller-manager, kube-scheduler   the static binary in /usr/local/bin
  kube-proxy      the binary plus iptables (nft) and conntrack with their libraries, from the nodes' Debian
  etcd            the pinned etcd in /usr/local/bin
  coredns         the pinned CoreDNS as /coredns
  pause           a few lines of Go (files/pause.go), as /pause
  busybox:1.37    Debian's busybox-static with a link per applet (the site's manifests use this name)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from ... import versions
from ...cache import bin_dir, src_dir
from ...console import duration, say
from ...errors import ProjectError
from ...tools import go
from ...tools.registry import registry
from . import config, layout

BUSYBOX = "docker.io/library/busybox:1.37"
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# What kube-proxy runs in iptables mode, from the nodes' Debian root filesystem.
KUBE_PROXY_TOOLS = ("/usr/sbin/xtables-nft-multi", "/usr/sbin/conntrack")
XTABLES_LINKS = ("iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore")
CONTROL_PLANE_ONLY = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")


class Layer:
    """The files of a one-layer image, written as an uncompressed tar with fixed times and owners."""

    def __init__(self):
        self.entries: list[tarfile.TarInfo] = []
        self.sources: dict[str, Path | bytes] = {}

    def _info(self, name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name.strip("/"))
        info.type, info.mode, info.mtime, info.uid, info.gid = kind, mode, 0, 0, 0
        return info

    def dir(self, name: str, mode: int = 0o755) -> None:
        if any(e.name == name.strip("/") for e in self.entries):
            return
        parent = os.path.dirname(name.strip("/"))
        if parent:
            self.dir(parent)
        self.entries.append(self._info(name, tarfile.DIRTYPE, mode))

    def file(self, name: str, source: Path | bytes, mode: int = 0o755) -> None:
        parent = os.path.dirname(name.strip("/"))
        if parent:
            self.dir(parent)
        info = self._info(name, tarfile.REGTYPE, mode)
        info.size = len(source) if isinstance(source, bytes) else source.stat().st_size
        self.entries.append(info)
        self.sources[info.name] = source

    def symlink(self, name: str, target: str) -> None:
        parent = os.path.dirname(name.strip("/"))
        if parent:
            self.dir(parent)
        info = self._info(name, tarfile.SYMTYPE, 0o777)
        info.linkname = target
        self.entries.append(info)

    def write(self, out: io.BufferedIOBase) -> None:
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for info in self.entries:
                source = self.sources.get(info.name)
                if source is None:
                    tar.addfile(info)
                elif isinstance(source, bytes):
                    tar.addfile(info, io.BytesIO(source))
                else:
                    with open(source, "rb") as fh:
                        tar.addfile(info, fh)


def base_layer() -> Layer:
    layer = Layer()
    for d in ("etc", "usr/local/bin", "var/run", "run"):
        layer.dir(d)
    layer.dir("tmp", 0o1777)
    layer.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", 0o644)
    layer.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n", 0o644)
    layer.file("etc/nsswitch.conf", b"hosts: files dns\n", 0o644)
    return layer


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def write_archive(dest: Path, image: str, layer: Layer, entrypoint: list[str] | None, cmd: list[str] | None) -> None:
    """An OCI image layout in a tar, with the image's name in index.json (what ctr import reads)."""
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        layer_path = Path(tmp) / "layer.tar"
        with open(layer_path, "wb") as fh:
            layer.write(fh)
        layer_digest = _digest(layer_path)
        image_config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": [PATH_ENV], **({"Entrypoint": entrypoint} if entrypoint else {}),
                       **({"Cmd": cmd} if cmd else {})},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        }
        config_bytes = json.dumps(image_config, separators=(",", ":")).encode()
        config_digest = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest,
                       "size": len(config_bytes)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest,
                        "size": layer_path.stat().st_size}],
        }
        manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()
        manifest_digest = "sha256:" + hashlib.sha256(manifest_bytes).hexdigest()
        index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest,
                "size": len(manifest_bytes),
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {"io.containerd.image.name": image,
                                "org.opencontainers.image.ref.name": image.rsplit(":", 1)[1]},
            }],
        }
        tmp_dest = dest.with_suffix(".part")
        with tarfile.open(tmp_dest, "w", format=tarfile.PAX_FORMAT) as tar:
            def add_bytes(name: str, data: bytes) -> None:
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                tar.addfile(info, io.BytesIO(data))

            add_bytes("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
            add_bytes("index.json", json.dumps(index).encode())
            add_bytes(f"blobs/sha256/{config_digest[7:]}", config_bytes)
            add_bytes(f"blobs/sha256/{manifest_digest[7:]}", manifest_bytes)
            info = tar.gettarinfo(str(layer_path), f"blobs/sha256/{layer_digest[7:]}")
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            with open(layer_path, "rb") as fh:
                tar.addfile(info, fh)
        os.replace(tmp_dest, dest)


def binary(name: str) -> Path:
    path = Path(os.path.realpath(bin_dir() / name))
    if not path.is_file():
        raise ProjectError(f"{name} is not installed; run `make tools`")
    return path


def build_pause(out: Path) -> Path:
    """Compile files/pause.go (static, no cgo)."""
    srcdir = src_dir() / "pause"
    shutil.rmtree(srcdir, ignore_errors=True)
    srcdir.mkdir(parents=True)
    shutil.copy(config.FILES / "pause.go", srcdir / "main.go")
    (srcdir / "go.mod").write_text("module cka-guide.local/pause\n\ngo 1.22\n")
    go.run(["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(out), "."], cwd=srcdir, env=go.go_env(),
           what="building pause")
    return out


def _in_root(root: Path, script: str, *args: str) -> str:
    proc = subprocess.run(["chroot", str(root), "/bin/sh", "-c", script, "sh", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ProjectError(f"in the nodes' root filesystem, `{script[:60]}` failed: {proc.stderr.strip()[-300:]}")
    return proc.stdout


def add_with_libraries(layer: Layer, root: Path, paths: list[str]) -> None:
    """Copy files of the root filesystem into the layer at their real paths, with every shared
    library they load (ldd), and a link for each name that differs from the real file's."""
    wanted = list(paths)
    out = _in_root(root, 'for f; do ldd "$f" || true; done', *paths)
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            wanted.append(parts[2])
        elif parts and parts[0].startswith("/"):
            wanted.append(parts[0])
    wanted = sorted(set(wanted))
    real = _in_root(root, 'for f; do readlink -f "$f"; done', *wanted).split()
    real_dirs = _in_root(root, 'for f; do readlink -f "$(dirname "$f")"; done', *wanted).split()
    for path, resolved, resolved_dir in zip(wanted, real, real_dirs):
        layer.file(resolved, root / resolved.lstrip("/"), 0o755)
        link = f"{resolved_dir}/{os.path.basename(path)}"
        if link != resolved and not any(e.name == link.strip("/") for e in layer.entries):
            layer.symlink(link, os.path.relpath(resolved, os.path.dirname(link)))


def merged_usr(layer: Layer) -> None:
    for d in ("bin", "sbin", "lib", "lib64"):
        layer.dir(f"usr/{d}")
        layer.symlink(d, f"usr/{d}")


def kube_proxy_layer(root: Path) -> Layer:
    layer = base_layer()
    merged_usr(layer)
    layer.file("usr/local/bin/kube-proxy", binary("kube-proxy"))
    xtables_dir = "/usr/lib/x86_64-linux-gnu/xtables"
    extensions = sorted(f"{xtables_dir}/{p.name}" for p in (root / xtables_dir.lstrip("/")).glob("*.so"))
    add_with_libraries(layer, root, list(KUBE_PROXY_TOOLS) + extensions)
    for name in XTABLES_LINKS:
        layer.symlink(f"usr/sbin/{name}", "xtables-nft-multi")
    for etc in ("etc/protocols", "etc/services", "etc/ethertypes"):
        if (root / etc).is_file():
            layer.file(etc, root / etc, 0o644)
    return layer


def busybox_layer(root: Path) -> Layer:
    layer = Layer()
    busybox = root / "bin/busybox"
    if not busybox.is_file():
        busybox = root / "usr/bin/busybox"
    layer.dir("bin")
    layer.file("bin/busybox", busybox)
    applets = _in_root(root, "busybox --list").split()
    for applet in applets:
        if applet != "busybox":
            layer.symlink(f"bin/{applet}", "busybox")
    for d in ("etc", "root", "var", "home"):
        layer.dir(d)
    layer.dir("tmp", 0o1777)
    layer.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n", 0o644)
    layer.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n", 0o644)
    return layer


def recipe(names: dict[str, str], root: Path) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(names, sort_keys=True).encode())
    h.update(root.name.encode())
    for f in (Path(__file__), config.FILES / "pause.go"):
        h.update(f.read_bytes())
    for tool in registry():
        if tool.name in ("kubernetes", "etcd", "coredns"):
            h.update(tool.recipe_hash.encode())
    return h.hexdigest()[:12]


def image_names(kubeadm_config: Path) -> dict[str, str]:
    """{component: image} from `kubeadm config images list` for the cluster's configuration."""
    proc = subprocess.run([str(bin_dir() / "kubeadm"), "config", "images", "list", "--config", str(kubeadm_config)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise ProjectError(f"kubeadm config images list failed: {proc.stderr.strip()[-400:]}")
    names = config.parse_images_list(proc.stdout)
    expected = {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "coredns", "pause", "etcd"}
    if set(names) != expected:
        raise ProjectError(f"kubeadm lists unexpected images: {proc.stdout.strip()}")
    names["busybox"] = BUSYBOX
    return names


def ensure(kubeadm_config: Path, root: Path) -> tuple[Path, dict[str, str]]:
    """The directory of OCI archives for the cluster's images (built once per recipe), and their names."""
    names = image_names(kubeadm_config)
    out = layout.nodes_dir() / f"images-{recipe(names, root)}"
    if (out / ".cka-ready").exists():
        return out, names
    for old in layout.nodes_dir().glob("images-*"):
        shutil.rmtree(old, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.monotonic()
    say(f"==> building {len(names)} images as OCI archives from the pinned binaries (first time only, ~1 min)")
    for component, image in names.items():
        dest = out / config.image_archive_name(image)
        say(f"    {image}")
        entrypoint, cmd = None, None
        if component in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
            layer = base_layer()
            layer.file(f"usr/local/bin/{component}", binary(component))
            if component == "etcd":
                layer.file("usr/local/bin/etcdctl", binary("etcdctl"))
            entrypoint = [f"/usr/local/bin/{component}"]
        elif component == "kube-proxy":
            layer = kube_proxy_layer(root)
            entrypoint = ["/usr/local/bin/kube-proxy"]
        elif component == "coredns":
            layer = base_layer()
            layer.file("coredns", binary("coredns"))
            entrypoint = ["/coredns"]
        elif component == "pause":
            layer = base_layer()
            layer.file("pause", build_pause(out / ".pause"))
            entrypoint = ["/pause"]
        else:
            layer = busybox_layer(root)
            cmd = ["sh"]
        write_archive(dest, image, layer, entrypoint, cmd)
    (out / ".pause").unlink(missing_ok=True)
    (out / ".cka-ready").write_text(json.dumps(names))
    say(f"    done in {duration(time.monotonic() - started)}")
    return out, names


def for_node(node: str, names: dict[str, str]) -> list[str]:
    """The images a node imports: workers skip the control plane's."""
    return [image for component, image in names.items()
            if node == layout.CONTROL_PLANE or component not in CONTROL_PLANE_ONLY]


def etcd_tag() -> str:
    """The etcd image's tag: the pinned etcd's version, the way kubeadm tags etcd images (3.6.16-0)."""
    return versions.get("etcd", "version").lstrip("v") + "-0"
