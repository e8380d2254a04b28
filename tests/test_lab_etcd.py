"""cka.labs.etcd: the parts that need no etcd (the full run is the lab's etcd-backup-restore test)."""

from __future__ import annotations

import pathlib

import pytest

from cka.labs import etcd as lab_etcd

MANIFEST = """\
apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --data-dir=/var/lib/etcd
    name: etcd
    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
    - mountPath: /etc/kubernetes/pki/etcd
      name: etcd-certs
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki/etcd
    name: etcd-certs
  - hostPath:
      path: {data}
    name: etcd-data
"""


def test_data_dir_is_the_hostpath_mounted_at_data_dir(tmp_path):
    manifest = tmp_path / "etcd.yaml"
    manifest.write_text(MANIFEST.format(data="/var/lib/etcd-restore"))
    assert lab_etcd.data_dir_from_manifest(manifest) == pathlib.Path("/var/lib/etcd-restore")


def test_data_dir_not_mounted_is_an_error(tmp_path):
    manifest = tmp_path / "etcd.yaml"
    manifest.write_text(MANIFEST.format(data="/x").replace("--data-dir=/var/lib/etcd", "--data-dir=/data"))
    with pytest.raises(lab_etcd.HarnessError, match="no volume is mounted at --data-dir=/data"):
        lab_etcd.data_dir_from_manifest(manifest)


def test_stop_leaves_processes_that_are_not_ours(tmp_path):
    # A recorded pid whose command line does not name the lab directory (here: this test) is kept alive.
    (tmp_path / "pids").write_text(f"{__import__('os').getpid()} etcd\n")
    lab_etcd.stop(tmp_path, grace=0.1)
    assert (tmp_path / "pids").read_text() == ""
