"""The binary runtime's check of the metrics API: what it reports when metrics-server is gone."""

import os
import socket
import subprocess

from cka.cluster import binary

KWOK_YAML = """\
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
---
apiVersion: config.kwok.x-k8s.io/v1alpha1
components:
- name: etcd
  ports:
  - name: client
    port: 32766
- name: metrics-server
  ports:
  - name: https
    port: {port}
"""


def cluster_dir(tmp_path, monkeypatch, port: int, pid: int):
    (tmp_path / "pids").mkdir()
    (tmp_path / "pids" / "metrics-server.pid").write_text(f"{pid}\n")
    (tmp_path / "kwok.yaml").write_text(KWOK_YAML.format(port=port))
    monkeypatch.setattr(binary, "kwok_cluster_dir", lambda: tmp_path)


def test_the_port_is_read_from_kwokctls_multi_document_config(tmp_path, monkeypatch):
    cluster_dir(tmp_path, monkeypatch, port=32760, pid=1)
    assert binary.metrics_server_port() == 32760


def test_a_running_process_and_a_listening_port_are_reported(tmp_path, monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as server:
        cluster_dir(tmp_path, monkeypatch, port=server.getsockname()[1], pid=os.getpid())
        report = binary.metrics_server_process()
    assert " runs;" in report and "accepts connections" in report


def test_a_dead_process_and_a_closed_port_are_reported(tmp_path, monkeypatch):
    gone = subprocess.Popen(["true"])
    gone.wait()
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    cluster_dir(tmp_path, monkeypatch, port=port, pid=gone.pid)
    report = binary.metrics_server_process()
    assert f"(pid {gone.pid}) is not running" in report
    assert f"127.0.0.1:{port} does not accept connections" in report


def test_no_recorded_process_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(binary, "kwok_cluster_dir", lambda: tmp_path)
    assert str(tmp_path / "pids" / "metrics-server.pid") in binary.metrics_server_process()
