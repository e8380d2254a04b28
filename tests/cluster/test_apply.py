"""The lab's own apply step against the running practice cluster (`make test` runs this after
`cluster: up`; `make lab` relies on it): a manifest that the API server rejects only when it
really creates the object fails with the file's name and the server's message, also when the
file names its own namespace."""

from __future__ import annotations

import pytest

from cka import cluster
from cka.labs import manifests
from cka.paths import BUILD

SERVICE = """# A Service whose nodePort is outside the range: only a real create allocates it.
apiVersion: v1
kind: Service
metadata:
  name: lab-self-test{suffix}
{namespace}spec:
  type: NodePort
  selector: {{app: none}}
  ports:
    - port: 80
      nodePort: 80
"""


@pytest.fixture(scope="module", autouse=True)
def running_cluster():
    if not cluster.reachable():
        pytest.fail("no practice cluster answers: this suite runs after `make cluster-up`")


@pytest.mark.parametrize("namespace", ["", "  namespace: kube-system\n"], ids=["lab namespace", "own namespace"])
def test_a_manifest_rejected_only_on_create_fails_with_its_file(tmp_path_factory, namespace):
    folder = BUILD / "lab-self-test" / ("own" if namespace else "lab")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "service-nodeport-80.yaml"
    path.write_text(SERVICE.format(suffix="-own" if namespace else "", namespace=namespace), encoding="utf-8")
    problems = manifests.apply_all([path])
    assert len(problems) == 1, problems
    assert problems[0].startswith("build/lab-self-test/"), problems
    assert "service-nodeport-80.yaml: [api-server apply" in problems[0]
    assert "provided port is not in the valid range" in problems[0]
    assert cluster.kubectl("get", "service", "-n", "kube-system", "lab-self-test-own", check=False,
                           capture=True).returncode != 0, "the lab changed kube-system"
