"""A throwaway control plane for lab tests: a TLS etcd and a kube-apiserver on it (etcd backup and restore,
the API server's authorization configuration).

  python -m cka.labs.etcd up WORK [--apiserver-arg FLAG=VALUE ...]
                                       make a PKI, start etcd (TLS, client certificates) and
                                       kube-apiserver on loopback, wait until both answer; extra
                                       API server flags replace the harness's own of that name
                                       (--authorization-config replaces --authorization-mode)
  python -m cka.labs.etcd restart WORK --manifest FILE
                                       stop the API server and etcd, start etcd again on the data
                                       directory that an etcd static Pod manifest mounts (as the
                                       kubelet would), then the API server; wait until both answer
  python -m cka.labs.etcd down WORK                stop every process started here and remove WORK

Everything lives in WORK (a new directory): the certificates (made with openssl in kubeadm's
layout: pki/ca.*, pki/apiserver*, pki/etcd/ca.*, pki/etcd/server.*, pki/sa.*), etcd's data
directory WORK/var-lib-etcd, the logs, a kubeconfig for a cluster admin (client certificate,
group system:masters) and WORK/env, the shell variables the snippet and kubectl need:

  ETCDCTL_ENDPOINTS ETCD_CACERT ETCD_CERT ETCD_KEY  etcd's client URL and the certificates that
                                                    etcdctl presents (etcd's server certificate,
                                                    as on a kubeadm node)
  LAB_KUBECONFIG                                    the API server's kubeconfig
  LAB_ETCD_DATA_DIR                                 the data directory etcd runs on now

Ports are free loopback ports picked at start. The practice cluster is never touched. A failed
`up` or `restart` stops what it started; `down` stops the processes recorded in WORK/pids (only
those whose command line still names WORK) and removes WORK, even after a failure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pathlib
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

import yaml

from ..cache import tool_path
from ..errors import ProjectError
from ..tools import ensure

ETCD_DATA = "var-lib-etcd"  # WORK/var-lib-etcd plays /var/lib/etcd
START_TIMEOUT = 90.0


class HarnessError(Exception):
    pass


def say(message: str) -> None:
    print(f"lab_etcd: {message}", flush=True)


# --------------------------------------------------------------------------- PKI (openssl)


def openssl(*args: str, cwd: pathlib.Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise HarnessError(f"openssl {' '.join(args[:2])} failed: {result.stderr.strip()[-400:]}")


def make_ca(pki: pathlib.Path, name: str, cn: str) -> None:
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={cn}",
            "-keyout", f"{name}.key", "-out", f"{name}.crt",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=pki)


def make_cert(pki: pathlib.Path, ca: str, name: str, subject: str, usage: str, san: str = "") -> None:
    ext = pki / f"{name}.ext"
    lines = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
             f"extendedKeyUsage={usage}"]
    if san:
        lines.append(f"subjectAltName={san}")
    ext.write_text("\n".join(lines) + "\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", f"{name}.key", "-out", f"{name}.csr",
            cwd=pki)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "1", "-extfile", ext.name, "-out", f"{name}.crt", cwd=pki)
    (pki / f"{name}.csr").unlink()
    ext.unlink()


def make_pki(work: pathlib.Path) -> pathlib.Path:
    pki = work / "pki"
    (pki / "etcd").mkdir(parents=True)
    loopback = "IP:127.0.0.1,DNS:localhost"
    make_ca(pki / "etcd", "ca", "etcd-ca")
    # kubeadm's etcd server certificate is valid for clients too: the exam's etcdctl uses it.
    make_cert(pki / "etcd", "ca", "server", "/CN=controlplane", "serverAuth,clientAuth", loopback)
    make_ca(pki, "ca", "kubernetes")
    make_cert(pki, "ca", "apiserver", "/CN=kube-apiserver", "serverAuth",
              loopback + ",IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default.svc")
    make_cert(pki, "ca", "admin", "/O=system:masters/CN=kubernetes-admin", "clientAuth")
    make_etcd_client(pki)
    openssl("genrsa", "-out", "sa.key", "2048", cwd=pki)
    openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)
    return pki


def make_etcd_client(pki: pathlib.Path) -> None:
    """apiserver-etcd-client, signed by the etcd CA (kubeadm's name and place)."""
    make_cert(pki / "etcd", "ca", "apiserver-etcd-client", "/CN=kube-apiserver-etcd-client", "clientAuth")
    for ext in ("crt", "key"):
        shutil.move(pki / "etcd" / f"apiserver-etcd-client.{ext}", pki / f"apiserver-etcd-client.{ext}")


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_state(work: pathlib.Path) -> dict:
    path = work / "state.yaml"
    return yaml.safe_load(path.read_text()) if path.exists() else {}


def write_state(work: pathlib.Path, state: dict) -> None:
    (work / "state.yaml").write_text(yaml.safe_dump(state))


def start(work: pathlib.Path, name: str, cmd: list[str]) -> int:
    # etcd reads ETCD_<FLAG> variables and stops when one shadows a flag; the caller's
    # ETCD_CACERT and friends (the snippet's names) must not reach it.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETCD_", "ETCDCTL_"))}
    log = open(work / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it open
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, cwd=work, env=env)
    log.close()
    with open(work / "pids", "a") as fh:
        fh.write(f"{proc.pid} {name}\n")
    return proc.pid


def ours(pid: int, work: pathlib.Path) -> bool:
    try:
        cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return str(work) in cmdline


def stop(work: pathlib.Path, names: set[str] | None = None, grace: float = 10.0) -> None:
    """Stop the recorded processes (all, or those named), the last started first: SIGTERM, then
    SIGKILL after `grace` seconds. The API server goes before etcd, which then has no open
    watches to wait for."""
    path = work / "pids"
    if not path.exists():
        return
    entries = [line.split() for line in path.read_text().splitlines() if line.strip()]
    chosen = [(int(pid), name) for pid, name in entries if names is None or name in names]
    for pid, _ in reversed(chosen):
        if not ours(pid, work):
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and ours(pid, work):
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)  # our own child (restart): reap it
            time.sleep(0.1)
        if ours(pid, work):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    kept = [f"{pid} {name}" for pid, name in entries if (int(pid), name) not in chosen]
    path.write_text("".join(line + "\n" for line in kept))


def wait_for(what: str, check, work: pathlib.Path, log: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    tail = (work / "logs" / log).read_text(errors="replace").splitlines()[-30:]
    raise HarnessError(f"{what} did not answer within {START_TIMEOUT:.0f} s; last lines of logs/{log}:\n"
                       + "\n".join(tail))


def tls_get(url: str, pki: pathlib.Path, ca: str, cert: str, key: str) -> tuple[int, str]:
    context = ssl.create_default_context(cafile=str(pki / ca))
    context.load_cert_chain(str(pki / cert), str(pki / key))
    try:
        with urllib.request.urlopen(url, context=context, timeout=3) as resp:  # noqa: S310 - loopback only
            return resp.status, resp.read().decode(errors="replace")
    except (OSError, ValueError):
        return 0, ""


# --------------------------------------------------------------------------- etcd and kube-apiserver


def start_etcd(work: pathlib.Path, state: dict, data_dir: pathlib.Path) -> None:
    pki = work / "pki"
    client = f"https://127.0.0.1:{state['etcd_client_port']}"
    peer = f"http://127.0.0.1:{state['etcd_peer_port']}"
    # kubeadm's flags, on loopback; the peer URL stays plain HTTP (one member, no peers).
    start(work, "etcd", [
        tool_path("etcd"), "--name=controlplane", f"--data-dir={data_dir}",
        f"--listen-client-urls={client}", f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=controlplane={peer}", "--initial-cluster-state=new",
        "--client-cert-auth=true", f"--trusted-ca-file={pki / 'etcd/ca.crt'}",
        f"--cert-file={pki / 'etcd/server.crt'}", f"--key-file={pki / 'etcd/server.key'}",
        "--snapshot-count=10000",
    ])
    state["etcd_data_dir"] = str(data_dir)
    wait_for("etcd", lambda: '"health":"true"' in tls_get(
        f"{client}/health", pki, "etcd/ca.crt", "etcd/server.crt", "etcd/server.key")[1], work, "etcd.log")


def start_apiserver(work: pathlib.Path, state: dict) -> None:
    pki = work / "pki"
    port = state["apiserver_port"]
    extra = [f"--{a.lstrip('-')}" for a in state.get("apiserver_args", [])]
    replaced = {a.split("=", 1)[0] for a in extra}
    if "--authorization-config" in replaced:  # the API server takes one or the other
        replaced.add("--authorization-mode")
    flags = [
        "--advertise-address=127.0.0.1", "--bind-address=127.0.0.1", f"--secure-port={port}",
        f"--etcd-servers=https://127.0.0.1:{state['etcd_client_port']}",
        f"--etcd-cafile={pki / 'etcd/ca.crt'}",
        f"--etcd-certfile={pki / 'apiserver-etcd-client.crt'}",
        f"--etcd-keyfile={pki / 'apiserver-etcd-client.key'}",
        f"--client-ca-file={pki / 'ca.crt'}",
        f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki / 'sa.pub'}", f"--service-account-signing-key-file={pki / 'sa.key'}",
        "--service-cluster-ip-range=10.96.0.0/12", "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction",
    ]
    flags = [f for f in flags if f.split("=", 1)[0] not in replaced] + extra
    start(work, "kube-apiserver", [tool_path("kube-apiserver"), *flags])
    wait_for("kube-apiserver", lambda: tls_get(
        f"https://127.0.0.1:{port}/readyz", pki, "ca.crt", "admin.crt", "admin.key") == (200, "ok"),
        work, "kube-apiserver.log")


def write_kubeconfig(work: pathlib.Path, state: dict) -> None:
    pki = work / "pki"
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "kubernetes-admin@etcd-lab",
        "clusters": [{"name": "etcd-lab", "cluster": {
            "server": f"https://127.0.0.1:{state['apiserver_port']}", "certificate-authority": str(pki / "ca.crt")}}],
        "users": [{"name": "kubernetes-admin", "user": {
            "client-certificate": str(pki / "admin.crt"), "client-key": str(pki / "admin.key")}}],
        "contexts": [{"name": "kubernetes-admin@etcd-lab", "context": {"cluster": "etcd-lab", "user": "kubernetes-admin"}}],
    }
    (work / "kubeconfig").write_text(yaml.safe_dump(config))


def write_env(work: pathlib.Path, state: dict) -> None:
    pki = work / "pki"
    values = {
        "ETCDCTL_ENDPOINTS": f"https://127.0.0.1:{state['etcd_client_port']}",
        "ETCD_CACERT": pki / "etcd/ca.crt", "ETCD_CERT": pki / "etcd/server.crt", "ETCD_KEY": pki / "etcd/server.key",
        "LAB_KUBECONFIG": work / "kubeconfig", "LAB_ETCD_DATA_DIR": state["etcd_data_dir"],
    }
    (work / "env").write_text("".join(f"export {k}={shlex.quote(str(v))}\n" for k, v in values.items()))


def data_dir_from_manifest(manifest: pathlib.Path) -> pathlib.Path:
    """What the kubelet would give etcd: the hostPath of the volume mounted at --data-dir."""
    pod = yaml.safe_load(manifest.read_text())
    container = next(c for c in pod["spec"]["containers"] if c["name"] == "etcd")
    flags = dict(a.split("=", 1) for a in container.get("command", []) if a.startswith("--") and "=" in a)
    inside = flags.get("--data-dir")
    if not inside:
        raise HarnessError(f"{manifest}: the etcd container has no --data-dir")
    mount = next((m for m in container.get("volumeMounts", []) if m["mountPath"] == inside), None)
    if mount is None:
        raise HarnessError(f"{manifest}: no volume is mounted at --data-dir={inside}")
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == mount["name"])
    host = (volume.get("hostPath") or {}).get("path")
    if not host:
        raise HarnessError(f"{manifest}: volume {mount['name']} is not a hostPath")
    return pathlib.Path(host)


# --------------------------------------------------------------------------- commands


def up(work: pathlib.Path, apiserver_args: list[str]) -> int:
    if work.exists():
        down(work)
    (work / "logs").mkdir(parents=True)
    ensure(["etcd", "kubernetes"], quiet=True)
    try:
        make_pki(work)
        state = {"etcd_client_port": free_port(), "etcd_peer_port": free_port(), "apiserver_port": free_port(),
                 "apiserver_args": list(apiserver_args)}
        start_etcd(work, state, work / ETCD_DATA)
        start_apiserver(work, state)
        write_state(work, state)
        write_kubeconfig(work, state)
        write_env(work, state)
    except BaseException:
        stop(work)
        raise
    say(f"etcd https://127.0.0.1:{state['etcd_client_port']} (data {state['etcd_data_dir']}), "
        f"kube-apiserver https://127.0.0.1:{state['apiserver_port']}: ready; variables in {work / 'env'}")
    return 0


def restart(work: pathlib.Path, manifest: pathlib.Path) -> int:
    state = read_state(work)
    if not state:
        raise HarnessError(f"{work} holds no running lab: run `python -m cka.labs.etcd up {work}` first")
    data_dir = data_dir_from_manifest(manifest)
    if not (data_dir / "member").is_dir():
        raise HarnessError(f"{data_dir} (from {manifest}) holds no etcd member directory")
    say("stopping kube-apiserver and etcd")
    stop(work, {"kube-apiserver", "etcd"})
    try:
        say(f"starting etcd on {data_dir} (the hostPath that {manifest.name} mounts at --data-dir)")
        start_etcd(work, state, data_dir)
        start_apiserver(work, state)
        write_state(work, state)
        write_env(work, state)
    except BaseException:
        stop(work)
        raise
    say("etcd and kube-apiserver answer again")
    return 0


def down(work: pathlib.Path) -> int:
    stop(work, grace=3.0)
    shutil.rmtree(work, ignore_errors=True)
    say(f"stopped and removed {work}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("up", "restart", "down"):
        cmd = sub.add_parser(name)
        cmd.add_argument("work", type=pathlib.Path, help="the lab's own directory (created by up, removed by down)")
        if name == "up":
            cmd.add_argument("--apiserver-arg", action="append", default=[], metavar="FLAG=VALUE",
                             help="one more kube-apiserver flag (repeatable), e.g. authorization-config=FILE")
        if name == "restart":
            cmd.add_argument("--manifest", type=pathlib.Path, required=True,
                             help="an etcd static Pod manifest: etcd restarts on the hostPath it mounts at --data-dir")
    args = parser.parse_args()
    work = args.work.resolve()
    if work == pathlib.Path("/") or work == pathlib.Path.home():
        parser.error(f"refusing to use {work} as the lab directory")
    try:
        if args.command == "up":
            return up(work, args.apiserver_arg)
        if args.command == "restart":
            return restart(work, args.manifest.resolve())
        return down(work)
    except (HarnessError, ProjectError) as err:
        print(f"lab_etcd: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
