"""Serving the package repository over HTTPS as https://pkgs.k8s.io/, to the nodes only.

A local certificate authority (openssl, made once, kept in the cache) signs a certificate for
pkgs.k8s.io; the nodes trust that authority and resolve pkgs.k8s.io to the server through
/etc/hosts, so the exam's URLs work unchanged. The server is Python's http.server behind TLS,
reading the repository's files and nothing else.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

from ...errors import ProjectError
from ...paths import ROOT

HOSTNAME = "pkgs.k8s.io"
CA_SUBJECT = "/CN=cka-guide local package repository CA"


def openssl(*args: str, cwd: Path) -> None:
    try:
        proc = subprocess.run(["openssl", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except FileNotFoundError as exc:
        raise ProjectError("openssl is not installed: apt-get install openssl") from exc
    if proc.returncode != 0:
        raise ProjectError(f"openssl {args[0]} failed in {cwd}:\n{proc.stdout.strip()}\nremove {cwd} to start over")


def ensure_tls(directory: Path) -> dict[str, Path]:
    """ca.crt, server.crt and server.key for pkgs.k8s.io (ECDSA P-256, ten years), made once."""
    files = {name: directory / name for name in ("ca.crt", "server.crt", "server.key")}
    if (directory / ".cka-ready").exists():
        return files
    tmp = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True, mode=0o700)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", CA_SUBJECT,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=tmp)
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={HOSTNAME}", cwd=tmp)
    (tmp / "server.ext").write_text(f"subjectAltName=DNS:{HOSTNAME}\nbasicConstraints=CA:FALSE\n"
                                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "3650", "-extfile", "server.ext", cwd=tmp)
    (tmp / ".cka-ready").write_text("")
    shutil.rmtree(directory, ignore_errors=True)
    tmp.rename(directory)
    return files


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if os.environ.get("CKA_PKGSERVER_LOG"):
            super().log_message(format, *args)


def make_server(root: Path, host: str, port: int, tls: dict[str, Path]) -> http.server.ThreadingHTTPServer:
    """An HTTPS server for the files under root (bound, not yet serving)."""
    if not (root / "core:").is_dir():
        raise ProjectError(f"{root} holds no package repository (core:/stable:/...); build it first")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls["server.crt"], tls["server.key"])
    handler = functools.partial(QuietHandler, directory=str(root))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise ProjectError(f"cannot serve the package repository on {host}:{port}: {exc.strerror}; "
                           "is another server there, or is the address missing?") from exc
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def serve_in_thread(root: Path, host: str, port: int, tls: dict[str, Path]) -> http.server.ThreadingHTTPServer:
    """Serve from a daemon thread of this process; stop with server.shutdown()."""
    server = make_server(root, host, port, tls)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def spawn(host: str, port: int, log: Path, timeout: float = 20) -> int:
    """Start `python -m cka.cluster.nodes.pkgrepo serve` in a session of its own; return its pid
    once it accepts connections. Stop it with stop(pid)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cka.cluster.nodes.pkgrepo", "serve", "--host", host,
                                 "--port", str(port)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ProjectError(f"the package repository server exited ({proc.returncode}); see {log}")
        try:
            socket.create_connection((host, port), timeout=1).close()
            return proc.pid
        except OSError:
            time.sleep(0.2)
    stop(proc.pid)
    raise ProjectError(f"the package repository server did not listen on {host}:{port} in {timeout:.0f}s; see {log}")


def stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
