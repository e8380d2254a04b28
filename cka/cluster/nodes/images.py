"""Container images without a registry: each is an OCI archive built here from a pinned binary or
the nodes' Debian packages in a minimal root filesystem, named as `kubeadm config images list`
prints it (or as versions.yaml's node_images lists it), and imported into every node's containerd
with `ctr -n k8s.io images import`.

  kube-apiserver, kube-controller-manager, kube-scheduler   the static binary in /usr/local/bin
  kube-proxy      the binary plus iptables (nft) and conntrack with their libraries, from the nodes' Debian
  etcd            the pinned etcd in /usr/local/bin
  coredns         the pinned CoreDNS as /coredns
  pause           a few lines of Go (files/pause.go), as /pause
  metrics-server, kube-network-policies, local-path-provisioner   the pinned binary (the add-ons, files/addons/)
  busybox         busybox built from Debian's source with busybox's defconfig (nodes/busybox.py)
  nginx           Debian's nginx-light serving /usr/share/nginx/html on port 80, as the official image
  nginx-unprivileged   the same on port 8080 as user 101, as nginxinc/nginx-unprivileged
  curl            Debian's curl with busybox's applets, as curlimages/curl
  dnsutils        Debian's dig, nslookup and host with busybox's applets

A cluster that starts one minor behind (the upgrade exercise) gets both releases' images: the
previous release's kube-apiserver, kube-controller-manager, kube-scheduler and kube-proxy from the
`kubernetes-previous` tool (components named `<component>@previous`), the current ones as usual,
and CoreDNS, etcd and pause under the names both kubeadm releases list.
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
from . import busybox as busybox_build
from . import config, layout

# The runtime's add-ons (files/addons/): repository, installed binary, its path in the image, and
# whether the image runs it as its entrypoint or as its command (which the DaemonSet's args replace).
ADDONS = {
    "metrics-server": ("registry.k8s.io/metrics-server/metrics-server", "metrics-server", "/metrics-server",
                       "entrypoint"),
    "kube-network-policies": ("registry.k8s.io/networking/kube-network-policies", "kube-network-policies",
                              "/bin/netpol", "cmd"),
    "local-path-provisioner": ("docker.io/rancher/local-path-provisioner", "local-path-provisioner",
                               "/usr/bin/local-path-provisioner", "cmd"),
}
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# What kube-proxy runs in iptables mode, from the nodes' Debian root filesystem.
KUBE_PROXY_TOOLS = ("/usr/sbin/xtables-nft-multi", "/usr/sbin/conntrack")
XTABLES_LINKS = ("iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore")
CONTROL_PLANE_ONLY = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
# A component built from the previous release's binaries: kube-apiserver@previous.
PREVIOUS = "@previous"
RELEASE_COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy")
NGINX_USER = b"nginx:x:101:101:nginx:/nonexistent:/bin/false\n"
# The official nginx image's configuration, for Debian's nginx (whose compiled-in paths differ).
NGINX_CONF = """user {user};
worker_processes auto;
error_log /var/log/nginx/error.log notice;
pid {pid};
events {{
    worker_connections 1024;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /var/log/nginx/access.log;
    client_body_temp_path {temp}/client_temp;
    proxy_temp_path {temp}/proxy_temp;
    fastcgi_temp_path {temp}/fastcgi_temp;
    uwsgi_temp_path {temp}/uwsgi_temp;
    scgi_temp_path {temp}/scgi_temp;
    sendfile on;
    keepalive_timeout 65;
    include /etc/nginx/conf.d/*.conf;
}}
"""
NGINX_DEFAULT = """server {{
    listen {port};
    listen [::]:{port};
    server_name localhost;
    location / {{
        root /usr/share/nginx/html;
        index index.html index.htm;
    }}
    error_page 500 502 503 504 /50x.html;
    location = /50x.html {{
        root /usr/share/nginx/html;
    }}
}}
"""
NGINX_INDEX = b"""<!DOCTYPE html>
<html>
<head><title>Welcome to nginx!</title></head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and working.</p>
</body>
</html>
"""


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


def write_archive(dest: Path, image_names: list[str], layer: Layer, entrypoint: list[str] | None = None,
                  cmd: list[str] | None = None, user: str = "", stop_signal: str = "") -> None:
    """An OCI image layout in a tar, with the image's names in index.json (what ctr import reads)."""
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        layer_path = Path(tmp) / "layer.tar"
        with open(layer_path, "wb") as fh:
            layer.write(fh)
        layer_digest = _digest(layer_path)
        image_config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": [PATH_ENV], **({"Entrypoint": entrypoint} if entrypoint else {}),
                       **({"Cmd": cmd} if cmd else {}), **({"User": user} if user else {}),
                       **({"StopSignal": stop_signal} if stop_signal else {})},
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
            } for image in image_names],
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


def previous_tool():
    return next(t for t in registry() if t.name == "kubernetes-previous")


def binary(name: str, previous: bool = False) -> Path:
    """An installed binary; with previous, the previous Kubernetes release's (tool kubernetes-previous)."""
    path = previous_tool().dir / name if previous else Path(os.path.realpath(bin_dir() / name))
    if not path.is_file():
        raise ProjectError(f"{name} is not installed; run `make tools`" if not previous else
                           f"{path} is missing; run `python -m cka.tools install kubernetes-previous`")
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


def kube_proxy_layer(root: Path, previous: bool = False) -> Layer:
    layer = base_layer()
    merged_usr(layer)
    layer.file("usr/local/bin/kube-proxy", binary("kube-proxy", previous))
    xtables_dir = "/usr/lib/x86_64-linux-gnu/xtables"
    extensions = sorted(f"{xtables_dir}/{p.name}" for p in (root / xtables_dir.lstrip("/")).glob("*.so"))
    add_with_libraries(layer, root, list(KUBE_PROXY_TOOLS) + extensions)
    for name in XTABLES_LINKS:
        layer.symlink(f"usr/sbin/{name}", "xtables-nft-multi")
    for etc in ("etc/protocols", "etc/services", "etc/ethertypes"):
        if (root / etc).is_file():
            layer.file(etc, root / etc, 0o644)
    return layer


def busybox_layer(root: Path, layer: Layer | None = None) -> Layer:
    """busybox (cka.cluster.nodes.busybox) with a link per applet, plus the usual top-level folders."""
    layer = layer or Layer()
    busybox = busybox_build.ensure()
    # With a merged /usr (bin -> usr/bin), the files go where the link points.
    bindir = "usr/bin" if any(e.name == "bin" and e.type == tarfile.SYMTYPE for e in layer.entries) else "bin"
    layer.dir(bindir)
    layer.file(f"{bindir}/busybox", busybox)
    applets = subprocess.run([str(busybox), "--list"], capture_output=True, text=True, check=True).stdout.split()
    taken = {e.name for e in layer.entries}
    for applet in applets:
        if applet != "busybox" and f"{bindir}/{applet}" not in taken and f"usr/sbin/{applet}" not in taken:
            layer.symlink(f"{bindir}/{applet}", "busybox")
    for d in ("etc", "root", "var", "home"):
        layer.dir(d)
    layer.dir("tmp", 0o1777)
    if "etc/passwd" not in layer.sources:
        layer.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
                   0o644)
        layer.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n", 0o644)
    return layer


def nginx_layer(root: Path, unprivileged: bool) -> Layer:
    """Debian's nginx laid out like the official image: /etc/nginx/conf.d/default.conf, the pages in
    /usr/share/nginx/html, the logs linked to the container's stdout and stderr."""
    layer = Layer()
    layer.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n" + NGINX_USER, 0o644)
    layer.file("etc/group", b"root:x:0:\nnginx:x:101:\n", 0o644)
    merged_usr(layer)
    add_with_libraries(layer, root, ["/usr/sbin/nginx"])
    layer.file("etc/nginx/mime.types", root / "etc/nginx/mime.types", 0o644)
    temp = "/tmp" if unprivileged else "/var/cache/nginx"
    conf = NGINX_CONF.format(user="nginx", pid="/tmp/nginx.pid" if unprivileged else "/run/nginx.pid", temp=temp)
    if unprivileged:
        conf = conf.replace("user nginx;\n", "")
    layer.file("etc/nginx/nginx.conf", conf.encode(), 0o644)
    layer.file("etc/nginx/conf.d/default.conf", NGINX_DEFAULT.format(port=8080 if unprivileged else 80).encode(),
               0o644)
    layer.file("usr/share/nginx/html/index.html", NGINX_INDEX, 0o644)
    layer.file("usr/share/nginx/html/50x.html", b"<html><body><h1>An error occurred.</h1></body></html>\n", 0o644)
    layer.dir("var/log/nginx")
    layer.symlink("var/log/nginx/access.log", "/dev/stdout")
    layer.symlink("var/log/nginx/error.log", "/dev/stderr")
    # Debian's compiled-in paths, used before the configuration is read.
    layer.dir("var/lib/nginx", 0o777 if unprivileged else 0o755)
    layer.dir("var/cache/nginx", 0o777 if unprivileged else 0o755)
    layer.dir("run")
    layer.dir("tmp", 0o1777)
    # A shell and the usual tools, as the official (Debian-based) image has them.
    return busybox_layer(root, layer)


def dnsutils_layer(root: Path) -> Layer:
    layer = Layer()
    merged_usr(layer)
    add_with_libraries(layer, root, ["/usr/bin/dig", "/usr/bin/nslookup", "/usr/bin/host"])
    return busybox_layer(root, layer)


def curl_layer(root: Path) -> Layer:
    layer = Layer()
    layer.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\ncurl_user:x:100:101:curl:/home/curl_user:/bin/sh\n",
               0o644)
    layer.file("etc/group", b"root:x:0:\ncurl_group:x:101:\n", 0o644)
    merged_usr(layer)
    add_with_libraries(layer, root, ["/usr/bin/curl"])
    layer.file("etc/ssl/certs/ca-certificates.crt", root / "etc/ssl/certs/ca-certificates.crt", 0o644)
    layer.dir("home/curl_user")
    return busybox_layer(root, layer)


def recipe(names: dict[str, list[str]], root: Path) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(names, sort_keys=True).encode())
    h.update(root.name.encode())
    for f in (Path(__file__), config.FILES / "pause.go"):
        h.update(f.read_bytes())
    h.update(busybox_build.recipe().encode())
    used = ("kubernetes", "etcd", "coredns", *ADDONS)
    if any(component.endswith(PREVIOUS) for component in names):
        used += ("kubernetes-previous",)
    for tool in registry():
        if tool.name in used:
            h.update(tool.recipe_hash.encode())
    return h.hexdigest()[:12]


def kubeadm_images(kubeadm: Path, kubeadm_config: Path) -> dict[str, str]:
    """{component: image} as `kubeadm config images list` prints them for a configuration."""
    proc = subprocess.run([str(kubeadm), "config", "images", "list", "--config", str(kubeadm_config)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise ProjectError(f"kubeadm config images list failed: {proc.stderr.strip()[-400:]}")
    listed = config.parse_images_list(proc.stdout)
    expected = {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "coredns", "pause", "etcd"}
    if set(listed) != expected:
        raise ProjectError(f"kubeadm lists unexpected images: {proc.stdout.strip()}")
    return listed


def image_names(kubeadm_config: Path, previous_config: Path | None = None) -> dict[str, list[str]]:
    """{component: [image, ...]}: kubeadm's from `kubeadm config images list` for the cluster's
    configuration, the add-ons' at their pinned versions, the workloads' from versions.yaml. With
    previous_config (the same cluster at the previous release), also what the previous kubeadm lists."""
    names = {component: [image] for component, image in kubeadm_images(bin_dir() / "kubeadm", kubeadm_config).items()}
    if previous_config is not None:
        for component, image in kubeadm_images(binary("kubeadm", previous=True), previous_config).items():
            if component in RELEASE_COMPONENTS:
                names[component + PREVIOUS] = [image]
            elif image not in names[component]:
                names[component].append(image)
    for component, (repository, *_) in ADDONS.items():
        names[component] = [f"{repository}:{versions.get('go_tools', component, 'version')}"]
    for component, images in versions.get("node_images").items():
        names.setdefault(component, [])
        names[component] += [image for image in images if image not in names[component]]
    return names


def component_image(component: str, root: Path, out: Path) -> tuple[Layer, dict]:
    """The layer of one component's image and its configuration (entrypoint, cmd, user, stop signal)."""
    previous = component.endswith(PREVIOUS)
    component = component.removesuffix(PREVIOUS)
    if component in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
        layer = base_layer()
        layer.file(f"usr/local/bin/{component}", binary(component, previous))
        if component == "etcd":
            layer.file("usr/local/bin/etcdctl", binary("etcdctl"))
        return layer, {"entrypoint": [f"/usr/local/bin/{component}"]}
    if component == "kube-proxy":
        return kube_proxy_layer(root, previous), {"entrypoint": ["/usr/local/bin/kube-proxy"]}
    if component == "coredns":
        layer = base_layer()
        layer.file("coredns", binary("coredns"))
        return layer, {"entrypoint": ["/coredns"]}
    if component == "pause":
        layer = base_layer()
        layer.file("pause", build_pause(out / ".pause"))
        return layer, {"entrypoint": ["/pause"]}
    if component in ADDONS:
        _, tool_binary, path, how = ADDONS[component]
        layer = base_layer()
        layer.file(path, binary(tool_binary))
        return layer, {how: [path]}
    if component == "busybox":
        return busybox_layer(root), {"cmd": ["sh"]}
    if component in ("nginx", "nginx-unprivileged"):
        unprivileged = component == "nginx-unprivileged"
        return nginx_layer(root, unprivileged), {"cmd": ["nginx", "-g", "daemon off;"], "stop_signal": "SIGQUIT",
                                                 "user": "101" if unprivileged else ""}
    if component == "curl":
        return curl_layer(root), {"entrypoint": ["curl"], "cmd": ["--help"], "user": "100"}
    if component == "dnsutils":
        return dnsutils_layer(root), {"cmd": ["sh"]}
    raise ProjectError(f"versions.yaml node_images: no recipe for the image `{component}`; "
                       "the recipes are busybox, nginx, nginx-unprivileged, curl and dnsutils (cka/cluster/nodes/images.py)")


def archive_name(component: str) -> str:
    return f"{component}.tar"


def ensure(kubeadm_config: Path, root: Path, previous_config: Path | None = None) -> tuple[Path, dict[str, list[str]]]:
    """The directory of OCI archives for the cluster's images (built once per recipe), and their names.
    A cluster one minor behind (previous_config) keeps its own directory beside the usual one."""
    names = image_names(kubeadm_config, previous_config)
    prefix = "images-upgrade-" if previous_config is not None else "images-"
    out = layout.nodes_dir() / f"{prefix}{recipe(names, root)}"
    if (out / ".cka-ready").exists():
        return out, names
    for old in layout.nodes_dir().glob(f"{prefix}*"):
        if previous_config is None and old.name.startswith("images-upgrade-"):
            continue
        shutil.rmtree(old, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.monotonic()
    say(f"==> building {len(names)} images as OCI archives from the pinned binaries and Debian (first time only, "
        "~1 min)")
    for component, image_list in names.items():
        say(f"    {', '.join(image_list)}")
        layer, image_config = component_image(component, root, out)
        write_archive(out / archive_name(component), image_list, layer, **image_config)
    (out / ".pause").unlink(missing_ok=True)
    (out / ".cka-ready").write_text(json.dumps(names))
    say(f"    done in {duration(time.monotonic() - started)}")
    return out, names


def for_node(node: str, names: dict[str, list[str]]) -> list[str]:
    """The components whose images a node imports: workers skip the control plane's."""
    return [component for component in names
            if node == layout.CONTROL_PLANE or component.removesuffix(PREVIOUS) not in CONTROL_PLANE_ONLY]


def etcd_tag() -> str:
    """The etcd image's tag: the pinned etcd's version, the way kubeadm tags etcd images (3.6.16-0)."""
    return versions.get("etcd", "version").lstrip("v") + "-0"
