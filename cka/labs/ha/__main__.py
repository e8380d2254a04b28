"""The live HA lab: `make lab-ha`.

  python -m cka.labs.ha [run]   build a stacked HA control plane, break it step by step, measure, tear down
  python -m cka.labs.ha down    remove what an interrupted run left (processes, network namespaces, files)

The lab builds the example of docs/cluster-architecture/high-availability on this machine:
three etcd v3.6 members with TLS (certificates made with openssl), two kube-apiservers that
know all three members, HAProxy in front of them with the page's haproxy.cfg as it is, and
two kube-controller-managers and kube-schedulers with leader election. haproxy.cfg names
private addresses (192.168.56.x), so every machine of the example is a network namespace of
its own and those addresses exist only inside the lab. kubectl talks only to the load
balancer. The commands are snippets/cluster-architecture/high-availability-lab.sh, whose sections
the page shows.

Then the scenario (cka/labs/ha/scenario.py) breaks it step by step, with assertions and timings.

On success it writes the transcript and the figures of the run into
snippets/cluster-architecture/generated/high-availability-lab.md, which the page
includes, with a hash of the inputs (the scenario, the lab's shell script, haproxy.cfg, versions) that
tests/test_lab_ha.py checks. Whatever happens, it stops everything it started and
removes its network namespaces and its state directory. Needs root (network namespaces).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime
import os
import pathlib
import shutil
import signal
import sys
import time

from ...errors import run_command
from ...tools import ensure
from ...tools.debian import apt_install
from .common import OUTPUT, TOOLS, LabError, rel, say, state_dir, topology
from .harness import Harness, another_run, cleanup, lab_namespaces, leftover_processes
from .report import render, summary
from .scenario import Scenario


def prerequisites() -> None:
    if os.geteuid() != 0:
        raise LabError("the HA lab creates network namespaces and needs root: run `sudo make lab-ha`")
    ensure(TOOLS, quiet=True)
    sbin_path = os.environ.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin"
    if not shutil.which("haproxy", path=sbin_path):
        say("==> HAProxy is not installed: installing Debian's haproxy package with apt-get "
            "(the lab runs the page's haproxy.cfg with it)")
    ensure(["haproxy"], quiet=True)
    missing = [package for binary, package in (("openssl", "openssl"), ("unshare", "util-linux"),
                                                ("hostname", "hostname"), ("ss", "iproute2"))
               if not shutil.which(binary, path=sbin_path)]
    apt_install(missing, "the HA lab needs them")


def set_subreaper() -> None:
    """Become the parent of orphaned lab processes, so that no zombie outlives the lab."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def cmd_run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    topo = topology()
    prerequisites()
    other = another_run()
    if other:
        raise LabError(f"another HA lab is running (pid {other}); wait for it, or stop it and run "
                       "`python -m cka.labs.ha down`")
    if lab_namespaces() or state_dir().exists() or leftover_processes():
        say("==> a previous HA lab did not stop cleanly; removing what it left first")
        if cleanup():
            raise LabError("could not remove what a previous HA lab left; see above")
    set_subreaper()
    lab = Scenario(topo)

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    ok = False
    try:
        lab.run()
        ok = True
    except LabError:
        show_logs(lab)
        raise
    finally:
        say("==> stopping every component and removing the network namespaces")
        lab.stop()
        if args.keep_logs:
            keep = pathlib.Path(args.keep_logs)
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(lab.dir / "logs", keep, dirs_exist_ok=True)
            say(f"==> kept the components' logs in {keep}")
        left = cleanup()
    total = time.monotonic() - started
    if left:
        raise LabError("the lab left something behind: " + "; ".join(left))
    if ok:
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        OUTPUT.write_text(render(lab, total, stamp), encoding="utf-8")
        say(f"==> wrote {rel(OUTPUT)}")
        say("==> HA lab passed")
        for line in summary(lab.figures, total, stamp):
            say(f"    {line}")
    return 0


def show_logs(lab: Harness) -> None:
    for comp in list(lab.components.values()):
        if not comp.log.exists():
            continue
        tail = comp.log.read_text(errors="replace").splitlines()[-8:]
        say(f"--- last lines of {comp.label} ({'running' if comp.popen.poll() is None else 'exited'})")
        for line in tail:
            say(f"    {line[:300]}")


def cmd_down(args: argparse.Namespace) -> int:
    if os.geteuid() != 0:
        raise LabError("removing network namespaces needs root: run `sudo .venv/bin/python -m cka.labs.ha down`")
    other = another_run()
    if other:
        say(f"==> stopping the running HA lab (pid {other})")
        with contextlib.suppress(ProcessLookupError):
            os.kill(other, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while another_run() and time.monotonic() < deadline:
            time.sleep(0.5)
    set_subreaper()
    return 1 if cleanup() else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the lab (the default)")
    run.set_defaults(func=cmd_run)
    run.add_argument("--keep-logs", metavar="DIR", help="copy the components' logs to DIR before cleaning up")
    sub.add_parser("down", help="remove what an interrupted run left").set_defaults(func=cmd_down)
    args = parser.parse_args(argv)
    func = getattr(args, "func", cmd_run)
    if not hasattr(args, "keep_logs"):
        args.keep_logs = None
    return run_command(lambda: func(args))


if __name__ == "__main__":
    sys.exit(main())
