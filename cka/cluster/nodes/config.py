"""The files a node needs and the plans the runtime follows, as pure functions (unit-tested).

Templates live in files/ beside this module; `{name}` placeholders are filled with str.format
after the template's own braces are escaped (the templates are YAML and TOML, no braces of theirs).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import layout

FILES = Path(__file__).with_name("files")

# kubeadm's preflight errors that these machines cannot avoid:
#   SystemVerification  cgroup v1 (deprecated since Kubernetes 1.35; the kubelet runs with failCgroupV1: false)
IGNORE_PREFLIGHT = ("SystemVerification",)


def template(name: str) -> str:
    return (FILES / name).read_text(encoding="utf-8")


def render(text: str, **values: str) -> str:
    """Fill `{name}` placeholders; an unknown or missing placeholder is an error."""
    names = set(re.findall(r"\{(\w+)\}", text))
    missing = names - set(values)
    if missing:
        raise KeyError(f"no value for {', '.join(sorted(missing))}")
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), text)


def kubeadm_init_config(version: str, token: str, etcd_tag: str) -> str:
    return render(
        template("kubeadm.yaml"),
        token=token,
        version=version,
        controlplane_ip=layout.node_ip(layout.CONTROL_PLANE),
        pod_subnet=layout.POD_SUBNET,
        service_subnet=layout.SERVICE_SUBNET,
        ignore=", ".join(IGNORE_PREFLIGHT),
        etcd_tag=etcd_tag,
    )


def kubeadm_join_config(node: str, token: str) -> str:
    return render(
        template("kubeadm-join.yaml"),
        token=token,
        node=node,
        node_ip=layout.node_ip(node),
        controlplane_ip=layout.node_ip(layout.CONTROL_PLANE),
        ignore=", ".join(IGNORE_PREFLIGHT),
    )


def containerd_config(pause_image: str) -> str:
    return render(template("containerd.toml"), pause_image=pause_image)


def cni_config(node: str) -> str:
    """The bridge plugin on cni0 with host-local addresses from the node's Pod range; Pods of other
    nodes are reached through the node's static routes (pod_routes), so no masquerading."""
    conf = {
        "cniVersion": "1.0.0",
        "name": "cka",
        "plugins": [
            {
                "type": "bridge",
                "bridge": "cni0",
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": layout.pod_cidr(node)}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    return json.dumps(conf, indent=2) + "\n"


def pod_routes(node: str) -> list[tuple[str, str]]:
    """(destination, gateway) for every other node's Pod range."""
    return [(layout.pod_cidr(other), layout.node_ip(other)) for other in layout.NODES if other != node]


def hosts_file(node: str) -> str:
    lines = ["127.0.0.1\tlocalhost", f"127.0.1.1\t{node}"]
    lines += [f"{layout.node_ip(n)}\t{n}" for n in layout.NODES]
    return "\n".join(lines) + "\n"


def parse_images_list(text: str) -> dict[str, str]:
    """`kubeadm config images list` output -> {component: image}: component is the last path
    part of the repository (kube-apiserver, etcd, coredns, pause, ...)."""
    images = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or " " in line or ":" not in line:  # blank, log or warning lines
            continue
        repository = line.rsplit(":", 1)[0]
        images[repository.rsplit("/", 1)[-1]] = line
    return images


def mounts_under(mountinfo: str, root: Path) -> list[str]:
    """Mount points at or below root, from /proc/self/mountinfo, deepest first (the unmount order)."""
    prefix = str(root).rstrip("/")
    found = []
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        point = fields[4].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            found.append(point)
    return sorted(set(found), key=lambda p: (-p.count("/"), p))


def cgroup_dirs_bottom_up(dirs: list[str]) -> list[str]:
    """cgroup directories in the order rmdir needs: children before their parents."""
    return sorted(set(dirs), key=lambda p: (-p.rstrip("/").count("/"), p))
