"""Start, stop and inspect the practice cluster.

  python -m cka.cluster up       start it (CLUSTER_RUNTIME=binary, the default, kind or kubeadm;
                                 CLUSTER_VERSION=previous: the kubeadm cluster one minor behind)
  python -m cka.cluster down     stop it and remove every process, port and file it left
  python -m cka.cluster status   show it and how to use it
  python -m cka.cluster env      print `export` lines for KUBECONFIG and PATH (eval "$(…)")
  python -m cka.cluster leftovers   after `down`: fail if anything of the kubeadm cluster is left
  python -m cka.cluster shell NODE [-c CMD]   a shell (or one command) in a node of the kubeadm runtime
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from .. import versions
from ..cache import bin_dir
from ..console import say
from ..errors import run_command
from . import (
    RUNTIMES,
    ClusterError,
    current_runtime,
    install_gateway_api_crds,
    kubeconfig,
    kubectl,
    kwok_workdir,
    reachable,
    runtime_file,
    runtime_module,
    selected_runtime,
    state_dir,
    state_dir_of,
    node_access_dir,
    write_node_access,
)


def leftover_processes() -> list[tuple[int, str]]:
    """Processes started from the cluster's state directory (etcd, kube-*, kwok)."""
    marker = str(state_dir()) + "/"
    found = []
    for proc in Path("/proc").iterdir():
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
    release = getattr(args, "release", "current")
    if release != "current" and runtime != "kubeadm":
        raise ClusterError(f"CLUSTER_VERSION={release}: only the kubeadm runtime starts one minor behind "
                           "(make cluster-up CLUSTER_RUNTIME=kubeadm CLUSTER_VERSION=previous)")
    if runtime == "kubeadm":
        runtime_module(runtime).release_version(release)  # a clear error for an unknown CLUSTER_VERSION
    if current_runtime():
        if reachable():
            running = runtime_module(runtime).running_release() if runtime == "kubeadm" else "current"
            if running and running != release:
                raise ClusterError(f"the {runtime} cluster is running, started at CLUSTER_VERSION={running}: "
                                   f"run `make cluster-down` first to start it at CLUSTER_VERSION={release}")
            say(f"==> the {current_runtime()} cluster is already running")
            return status(args)
        say("==> a previous cluster did not stop cleanly; removing it first")
        down(args)
    state_dir().mkdir(parents=True, exist_ok=True)
    runtime_file().write_text(runtime)
    started = time.monotonic()
    try:
        if runtime == "kubeadm":
            runtime_module(runtime).up(release)
        else:
            runtime_module(runtime).up()
        install_gateway_api_crds()
        write_node_access(runtime)
    except (ClusterError, KeyboardInterrupt):
        say("==> cluster-up failed: cleaning up what it started")
        down(args)
        raise
    say(f"==> cluster is up in {time.monotonic() - started:.1f} s")
    return status(args)


def down(args: argparse.Namespace) -> int:
    """Stop the practice cluster and remove what it left."""
    runtime = current_runtime()
    keep_logs = getattr(args, "keep_logs", None)
    if keep_logs and (runtime or args.runtime) != "binary":
        raise ClusterError("--keep-logs keeps the binary runtime's component logs; a kubeadm node keeps its own "
                           "in its journal (make node-shell NODE=controlplane CMD='journalctl -u kubelet')")
    if keep_logs:
        runtime_module("binary").keep_component_logs(keep_logs)
    if runtime in RUNTIMES:
        runtime_module(runtime).down()
    elif kwok_workdir().exists():
        runtime_module("binary").down()
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
    if runtime:
        say("==> the practice cluster is stopped and its files are removed")
        return 0
    others = [r for r in ("binary", "kubeadm") if r != args.runtime and (state_dir_of(r) / "runtime").exists()]
    say(f"==> no {args.runtime} cluster was running"
        + "".join(f"; the {r} cluster is: stop it with `make cluster-down CLUSTER_RUNTIME={r}`" for r in others))
    return 0


def rebuild(release: str) -> None:
    """Replace the kubeadm cluster with a new one started at release (current or previous): the
    upgrade exercise starts one minor behind and ends by bringing the usual cluster back."""
    args = argparse.Namespace(runtime="kubeadm", release=release)
    down(args)
    if up(args) != 0:
        raise ClusterError(f"the kubeadm cluster at CLUSTER_VERSION={release} did not come up")


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
    slot_vars = ""
    if runtime == "kubeadm":
        from .nodes import layout  # noqa: PLC0415 - only this runtime has slots

        slot_vars = layout.SLOT_VARS
    say(f"runtime: {runtime}{' (' + slot_vars.strip() + ', a second cluster)' if slot_vars else ''}\n"
        f"API server: {server}\nkubeconfig: {kubeconfig()}\n\n{nodes}")
    nodes = node_access_dir().is_dir()
    if runtime == "kubeadm":
        say(f"A shell in a node: make node-shell NODE=node01{slot_vars} [CMD='crictl ps']\n")
    say("Use it from your shell:\n"
        f"  export KUBECONFIG={kubeconfig()}\n"
        + (f"  export PATH={node_access_dir()}:{bin_dir()}:$PATH   # kubectl {versions.kubernetes()}, ssh NODE\n"
           if nodes else f"  export PATH={bin_dir()}:$PATH   # kubectl {versions.kubernetes()}\n")
        + "  kubectl get nodes" + ("\n  ssh node01            # a shell on node01, as on the exam" if nodes else ""))
    return 0


def leftovers(args: argparse.Namespace) -> int:
    """Check that nothing of a stopped cluster is left on the host (the kubeadm runtime)."""
    if args.runtime != "kubeadm":
        say(f"nothing to check for the {args.runtime} runtime: `make cluster-down` already waits for its processes")
        return 0
    if current_runtime():
        from .nodes import layout  # noqa: PLC0415 - the kubeadm runtime's slot

        raise ClusterError(f"the kubeadm cluster is running: run `make cluster-down {layout.MAKE_VARS}` first")
    found = runtime_module("kubeadm").leftovers()
    for item in found:
        print(f"left behind: {item}", file=sys.stderr)
    if found:
        return 1
    say("==> nothing left behind: no process, mount, network namespace, interface, cgroup or host iptables rule")
    return 0


def print_env(args: argparse.Namespace) -> int:
    """Print export lines for the cluster's kubeconfig and the pinned kubectl."""
    nodes = f"{node_access_dir()}:" if node_access_dir().is_dir() else ""
    print(f"export KUBECONFIG={kubeconfig()}\nexport PATH={nodes}{bin_dir()}:$PATH")
    return 0


def shell(args: argparse.Namespace) -> int:
    """A shell, or one command, in a node of the kubeadm runtime."""
    return runtime_module("kubeadm").node_shell(args.node, args.c)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m cka.cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func in (("up", up), ("down", down), ("status", status), ("env", print_env), ("leftovers", leftovers)):
        cmd = sub.add_parser(name, help=func.__doc__.splitlines()[0])
        cmd.set_defaults(func=func)
        cmd.add_argument("--runtime", choices=RUNTIMES, default=selected_runtime())
        if name == "down":
            cmd.add_argument("--keep-logs", type=Path, metavar="DIR",
                             help="binary runtime: copy the components' logs to DIR before deleting the cluster")
        if name == "up":
            cmd.add_argument("--release", default=os.environ.get("CLUSTER_VERSION") or "current",
                             help="kubeadm runtime: current, or previous (one minor behind, to practise "
                                  "the upgrade; default $CLUSTER_VERSION or current)")
    cmd = sub.add_parser("shell", help=shell.__doc__)
    cmd.set_defaults(func=shell, runtime="kubeadm")
    cmd.add_argument("node", nargs="?", default="controlplane")
    cmd.add_argument("-c", metavar="CMD", help="run this command with bash -c instead of an interactive shell")
    args = parser.parse_args()
    os.environ["CLUSTER_RUNTIME"] = args.runtime  # the runtime decides where the state lives
    return run_command(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
