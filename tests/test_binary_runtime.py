"""The binary runtime's check of the metrics API: what it reports when metrics-server is gone."""

import os
import socket
import subprocess
import sys

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


def test_the_component_logs_are_kept_before_the_cluster_goes(tmp_path, monkeypatch):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "metrics-server.log").write_text("Serving securely on [::]:32760\n")
    monkeypatch.setattr(binary, "kwok_cluster_dir", lambda: tmp_path)
    binary.keep_component_logs(tmp_path / "kept")
    assert (tmp_path / "kept" / "metrics-server.log").read_text() == "Serving securely on [::]:32760\n"
    assert "32760" in binary.log_tail("metrics-server")


def test_keep_logs_is_refused_on_the_kubeadm_runtime(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if k != "CKA_TOOLS_DIR"}, "XDG_CACHE_HOME": str(tmp_path),
           "CLUSTER_RUNTIME": "kubeadm"}
    result = subprocess.run([sys.executable, "-m", "cka.cluster", "down", "--keep-logs", str(tmp_path / "logs")],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "--keep-logs keeps the binary runtime's component logs" in result.stderr
    assert "Traceback" not in result.stderr
