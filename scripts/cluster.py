"""Start, stop and inspect the practice cluster.

  cluster.py up       start it (CLUSTER_RUNTIME=binary, the default, or kind)
  cluster.py down     stop it and remove every process, port and file it left
  cluster.py status   show it and how to use it
  cluster.py env      print `export` lines for KUBECONFIG and PATH (eval "$(…)")

binary: a real etcd, kube-apiserver (RBAC and admission on), kube-controller-manager
and kube-scheduler at the pinned version, started by kwokctl from the binaries that
scripts/tools.py builds; kwok simulates the nodes controlplane, node01 and node02
and moves their Pods to Running. No Docker needed.
kind: the same three-node shape from the pinned kindest/node image (Docker needed).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import tools  # noqa: E402

NAME = "cka"
NODES_FILE = ROOT / "scripts" / "runtimes" / "nodes.yaml"
KIND_CONFIG = ROOT / "manifests" / "cluster-architecture" / "kubeadm-install" / "kind-cluster.yaml"
BINARY_TOOLS = ["kubernetes", "etcd", "kwok", "metrics-server"]


class ClusterError(Exception):
    """A problem the user can fix, printed as one sentence."""


def state_dir() -> pathlib.Path:
    return tools.cache_dir() / "cluster"


def kubeconfig() -> pathlib.Path:
    return state_dir() / "kubeconfig"


def runtime_file() -> pathlib.Path:
    return state_dir() / "runtime"


def kwok_workdir() -> pathlib.Path:
    return state_dir() / "kwok"


def versions() -> dict:
    return tools.load_versions()


def env() -> dict[str, str]:
    """The environment for kubectl, kwokctl and kind: pinned tools first on PATH."""
    bin_dir = str(tools.bin_dir())
    k8s = versions()["kubernetes"]["version"]
    return dict(
        os.environ,
        PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
        KUBECONFIG=str(kubeconfig()),
        KWOK_WORKDIR=str(kwok_workdir()),
        KWOK_KUBE_VERSION=k8s,
        KWOK_KUBE_BINARY_PREFIX=bin_dir,
        KWOK_KUBECTL_BINARY=str(tools.bin_dir() / "kubectl"),
        KWOK_CONTROLLER_BINARY=str(tools.bin_dir() / "kwok"),
        KWOK_ETCD_BINARY=str(tools.bin_dir() / "etcd"),
        KWOK_METRICS_SERVER_BINARY=str(tools.bin_dir() / "metrics-server"),
    )


def say(message: str) -> None:
    print(message, flush=True)


def run(cmd: list[str], *, check: bool = True, capture: bool = False, timeout: float | None = None,
        input: str | None = None) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(cmd, env=env(), text=True, capture_output=capture, timeout=timeout, input=input)
    except FileNotFoundError:
        raise ClusterError(f"`{cmd[0]}` is not installed; run `make tools`") from None
    except subprocess.TimeoutExpired:
        raise ClusterError(f"`{' '.join(cmd[:3])} …` did not finish within {timeout:.0f} s") from None
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip() if capture else ""
        raise ClusterError(f"`{' '.join(cmd[:4])} …` failed (exit {result.returncode}){': ' + detail[-800:] if detail else ''}")
    return result


def kubectl(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return run([str(tools.bin_dir() / "kubectl"), *args], **kwargs)


def current_runtime() -> str | None:
    return runtime_file().read_text().strip() if runtime_file().exists() else None


def reachable() -> bool:
    if not kubeconfig().exists():
        return False
    result = kubectl("get", "--raw", "/readyz", check=False, capture=True, timeout=10)
    return result.returncode == 0 and result.stdout.strip() == "ok"


# --------------------------------------------------------------------------- binary runtime


def kwokctl_config() -> pathlib.Path:
    """Extra flags for the control plane, to match a kubeadm cluster where it matters to the pages:
    kube-controller-manager signs CSRs with the cluster CA, and Services get addresses
    from kubeadm's default range 10.96.0.0/12 (Pods get theirs from the nodes' podCIDRs)."""
    pki = kwok_workdir() / "clusters" / NAME / "pki"
    metrics = versions()["go_tools"]["metrics-server"]
    config = {
        "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
        "kind": "KwokctlConfiguration",
        # kwokctl applies metrics-server's own APIService, RBAC and Service (its kustomize base, from
        # the Go module cache) and points them at the metrics-server process it starts.
        "options": {"metricsServerManifests": [
            str(module_dir(metrics["module"], metrics["version"]) / "manifests" / "base")]},
        "componentsPatches": [
            {
                "name": "kube-apiserver",
                "extraArgs": [{"key": "service-cluster-ip-range", "value": "10.96.0.0/12"}],
            },
            {
                # kwok serves every node's kubelet endpoint on this host: reach it by the nodes'
                # InternalDNS address, localhost (their InternalIPs are only for show).
                "name": "metrics-server",
                "extraArgs": [{"key": "kubelet-preferred-address-types", "value": "InternalDNS", "override": True}],
            },
            {
                "name": "kube-controller-manager",
                "extraArgs": [
                    {"key": "cluster-signing-cert-file", "value": str(pki / "ca.crt")},
                    {"key": "cluster-signing-key-file", "value": str(pki / "ca.key")},
                ],
            }
        ],
    }
    path = state_dir() / "kwokctl.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def module_dir(module: str, version: str) -> pathlib.Path:
    """A Go module's own files, from the module cache (`go mod download` fetches them from the proxy)."""
    out = run(["go", "mod", "download", "-json", f"{module}@{version}"], capture=True, timeout=300).stdout
    return pathlib.Path(json.loads(out)["Dir"])


def up_binary() -> None:
    tools.ensure(BINARY_TOOLS, quiet=True)
    k8s = versions()["kubernetes"]["version"]
    say(f"==> starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler {k8s}, kwok and metrics-server (binary runtime)")
    run([
        str(tools.bin_dir() / "kwokctl"), "create", "cluster", "--name", NAME, "--runtime", "binary",
        "--config", str(kwokctl_config()), "--kubeconfig", str(kubeconfig()),
        "--kube-authorization", "--kube-admission", "--enable-metrics-server", "--wait", "120s",
    ], capture=True, timeout=300)
    say("==> adding the nodes controlplane, node01 and node02")
    nodes = NODES_FILE.read_text(encoding="utf-8").replace("{version}", k8s)
    kubectl("apply", "-f", "-", input=nodes, capture=True, timeout=60)
    kubectl("wait", "--for=condition=Ready", "node", "--all", "--timeout=90s", capture=True, timeout=120)
    wait_for_default_service_account()


def install_gateway_api_crds() -> None:
    """The Gateway API CRDs (standard channel), as an exam cluster has them: the module's own YAML."""
    gateway = versions()["gateway_api"]
    say(f"==> installing the Gateway API CRDs {gateway['version']} (standard channel)")
    crds = module_dir(gateway["module"], gateway["version"]) / gateway["crds"]
    kubectl("apply", "--server-side", "-f", str(crds), capture=True, timeout=120)


def wait_for_default_service_account() -> None:
    """Pods cannot be created in a namespace until its `default` ServiceAccount exists."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if kubectl("get", "serviceaccount", "default", "-n", "default", check=False, capture=True).returncode == 0:
            return
        time.sleep(1)
    raise ClusterError("the controller manager did not create the default ServiceAccount within 60 s")


def down_binary() -> None:
    kwokctl = tools.bin_dir() / "kwokctl"
    if kwokctl.exists() and (kwok_workdir() / "clusters" / NAME).exists():
        run([str(kwokctl), "delete", "cluster", "--name", NAME, "--kubeconfig", str(kubeconfig())],
            check=False, capture=True, timeout=120)


# --------------------------------------------------------------------------- kind runtime


def kind_image() -> str:
    kind = versions()["kind"]
    return f"{kind['node_image']}@{kind['node_digest']}"


def up_kind() -> None:
    if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        raise ClusterError("the kind runtime needs a running Docker engine; use CLUSTER_RUNTIME=binary (no Docker needed)")
    tools.ensure(["kind", "kubernetes"], quiet=True)
    say(f"==> creating a kind cluster from {kind_image()} (about a minute)")
    run([str(tools.bin_dir() / "kind"), "create", "cluster", "--name", NAME, "--image", kind_image(),
         "--config", str(KIND_CONFIG), "--kubeconfig", str(kubeconfig()), "--wait", "180s"], timeout=600)


def down_kind() -> None:
    kind = tools.bin_dir() / "kind"
    if kind.exists() and shutil.which("docker"):
        run([str(kind), "delete", "cluster", "--name", NAME, "--kubeconfig", str(kubeconfig())], check=False, timeout=180)


# --------------------------------------------------------------------------- commands


def leftover_processes() -> list[tuple[int, str]]:
    """Processes started from the cluster's state directory (etcd, kube-*, kwok)."""
    marker = str(state_dir())
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append((int(proc.name), cmdline[:120]))
    return found


def up(args: argparse.Namespace) -> int:
    """Start the practice cluster."""
    runtime = args.runtime
    if current_runtime():
        if reachable():
            say(f"==> the {current_runtime()} cluster is already running")
            return status(args)
        say("==> a previous cluster did not stop cleanly; removing it first")
        down(args)
    state_dir().mkdir(parents=True, exist_ok=True)
    runtime_file().write_text(runtime)
    started = time.monotonic()
    try:
        up_binary() if runtime == "binary" else up_kind()
        install_gateway_api_crds()
    except (ClusterError, KeyboardInterrupt):
        say("==> cluster-up failed: cleaning up what it started")
        down(args)
        raise
    say(f"==> cluster is up in {time.monotonic() - started:.1f} s")
    return status(args)


def down(args: argparse.Namespace) -> int:
    """Stop the practice cluster and remove what it left."""
    runtime = current_runtime()
    if runtime == "kind":
        down_kind()
    elif runtime == "binary" or kwok_workdir().exists():
        down_binary()
    for pid, cmdline in leftover_processes():
        say(f"==> stopping leftover process {pid}: {cmdline}")
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while leftover_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid, _ in leftover_processes():
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(state_dir(), ignore_errors=True)
    say("==> the practice cluster is stopped and its files are removed" if runtime else "==> no practice cluster was running")
    return 0


def status(args: argparse.Namespace) -> int:
    """Show the cluster and how to use it."""
    runtime = current_runtime()
    if not runtime:
        say("no practice cluster is running: start one with `make cluster-up`")
        return 1
    if not reachable():
        say(f"the {runtime} cluster is not answering: run `make cluster-down` then `make cluster-up`")
        return 1
    nodes = kubectl("get", "nodes", "-o", "wide", capture=True).stdout
    server = kubectl("config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}", capture=True).stdout
    say(f"runtime: {runtime}\nAPI server: {server}\nkubeconfig: {kubeconfig()}\n\n{nodes}")
    say("Use it from your shell:\n"
        f"  export KUBECONFIG={kubeconfig()}\n"
        f"  export PATH={tools.bin_dir()}:$PATH   # kubectl {versions()['kubernetes']['version']}\n"
        "  kubectl get nodes")
    return 0


def print_env(args: argparse.Namespace) -> int:
    """Print export lines for the cluster's kubeconfig and the pinned kubectl."""
    print(f"export KUBECONFIG={kubeconfig()}\nexport PATH={tools.bin_dir()}:$PATH")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func in (("up", up), ("down", down), ("status", status), ("env", print_env)):
        cmd = sub.add_parser(name, help=func.__doc__.splitlines()[0])
        cmd.set_defaults(func=func)
        cmd.add_argument("--runtime", choices=("binary", "kind"), default=os.environ.get("CLUSTER_RUNTIME") or "binary")
    args = parser.parse_args()
    return tools.run_command(lambda: args.func(args), ClusterError)


if __name__ == "__main__":
    sys.exit(main())
