"""Apply every manifest and run every snippet against the practice cluster: `make lab`.

1. Coverage: every Kubernetes manifest under manifests/ is applied by the
   chainsaw-test.yaml of its folder, and every snippet under snippets/ is run by
   some lab test, or its header says why it cannot run here (`Runs on:
   kubeadm node only`, ...): the same check `make validate` runs (cka.checks.coverage).
2. Server-side apply of every manifest, dry run first and then for real, each
   folder in a namespace of its own, so that a manifest the API server rejects fails
   with the file's name and the server's message before any test starts. A file that
   names its own namespace (kube-system, say) is applied for real too, moved into the
   lab's namespace, so that what only a real create checks (a Service's nodePort out of
   range, a port already allocated) is caught with the file's name.
3. The chainsaw tests (github.com/kyverno/chainsaw), each in a namespace of its
   own: apply, assert the declared state, run the snippets and assert their effect.
   Tests labelled `lab.nodes: real` need real nodes (containers that run, a kubelet, a
   node to log in to) and run on the kubeadm and kind runtimes only; tests labelled
   `lab.nodes: simulated` assert what kwok's simulated nodes do and run on the binary
   runtime only; the others run everywhere. Tests labelled `lab.registry: online` pull images from a
   registry: the kubeadm runtime, which reaches none, skips them. Tests labelled
   `lab.host: root` run only as root.
   A JUnit report lands in build/reports/.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from .. import cluster, content
from ..cache import bin_dir
from ..checks.core import Tree
from ..checks.coverage import problems_in
from ..console import say
from ..errors import ProjectError, run_command
from ..paths import REPORTS, ROOT, rel
from ..tools import ensure

# What the lab's tests run: chainsaw, kubectl, helm, and the CRDs of the operators the pages install.
LAB_TOOLS = ["chainsaw", "kubernetes", "helm", "cert-manager-crds"]
# What the tests labelled `lab.host: root` run besides kubectl: the etcd harness, the host labs.
ROOT_TOOLS = ["etcd", "coredns", "iproute2", "iptables", "ping", "dnsutils"]
# Kinds applied first, so that what a Pod or a binding refers to exists when it arrives.
APPLY_ORDER = ["Namespace", "CustomResourceDefinition", "StorageClass", "PriorityClass", "ServiceAccount", "Secret",
               "ConfigMap", "ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding", "PersistentVolume",
               "PersistentVolumeClaim", "Service"]


class LabError(ProjectError):
    pass


def api_manifests() -> list[Path]:
    return content.files_of(content.MANIFEST)


def test_dirs() -> list[Path]:
    return [p.parent for p in content.lab_tests()]


def coverage() -> tuple[list[str], list[str]]:
    """(problems, snippets that run elsewhere with where they run): as `make validate`'s coverage check."""
    tree = Tree(ROOT)
    snippets = [tree.source(p) for p in content.files_of(content.SNIPPET)]
    found, elsewhere = problems_in(ROOT, api_manifests(), [sf for sf in snippets if sf])
    return [p.text() for p in found], elsewhere


def apply_rank(path: Path) -> tuple[int, str]:
    kinds = [d.get("kind", "") for d in content.documents(path)]
    ranks = [APPLY_ORDER.index(k) if k in APPLY_ORDER else len(APPLY_ORDER) for k in kinds]
    return (min(ranks, default=len(APPLY_ORDER)), path.name)


def fixed_namespace(path: Path) -> str | None:
    for doc in content.documents(path):
        namespace = (doc.get("metadata") or {}).get("namespace")
        if namespace:
            return namespace
    return None


def moved_into(path: Path, namespace: str) -> str:
    """The file's documents with every metadata.namespace set to the lab's namespace (as YAML)."""
    docs = content.documents(path)
    for doc in docs:
        if (doc.get("metadata") or {}).get("namespace"):
            doc["metadata"]["namespace"] = namespace
    return yaml.safe_dump_all(docs, sort_keys=False)


def apply_folder(folder: Path, files: list[Path], namespace: str) -> tuple[list[str], list[tuple[str, Path]]]:
    """Apply one folder's manifests in a namespace of its own, dry run then for real, and delete them
    again: (problems, cluster-scoped files still being deleted)."""
    problems: list[str] = []
    result = cluster.kubectl("create", "namespace", namespace, check=False, capture=True)
    if result.returncode != 0:
        return [f"{rel(folder)}: cannot create namespace {namespace}: {' '.join(result.stderr.split())}"], []
    created = []
    for manifest in sorted(files, key=apply_rank):
        if content.header(manifest.read_text(encoding="utf-8")).broken:
            continue
        own = fixed_namespace(manifest)
        source = {"input": moved_into(manifest, namespace)} if own else {}
        target = ["-f", "-"] if own else ["-f", str(manifest)]
        base = ["apply", "--server-side", "--field-manager=lab", "-n", namespace, *target]
        accepted = True
        for mode in (["--dry-run=server"], []):
            result = cluster.kubectl(*base, *mode, check=False, capture=True, timeout=60, **source)
            if result.returncode != 0:
                what = "dry run" if mode else "apply"
                moved = f" (applied in the lab's namespace instead of {own})" if own else ""
                problems.append(f"{rel(manifest)}: [api-server {what}{moved}] {' '.join(result.stderr.split())}")
                accepted = False
                break
        if accepted:
            created.append((manifest, source, target))
            if any(d.get("kind") == "CustomResourceDefinition" for d in content.documents(manifest)):
                # Its custom resources, applied next, need the new API served first.
                cluster.kubectl("wait", "--for=condition=Established", "--timeout=30s", *target,
                                check=False, capture=True, timeout=40, **source)
    leaving = []
    for manifest, source, target in reversed(created):
        cluster.kubectl("delete", "-n", namespace, "--ignore-not-found", "--wait=false", *target,
                        check=False, capture=True, timeout=60, **source)
        if cluster_scoped(manifest):
            leaving.append((namespace, manifest))
    # Pods go with a one-second grace period: on real nodes a shell as PID 1 ignores SIGTERM and
    # would keep running (and hold its node) for the default 30 s while the tests start.
    cluster.kubectl("delete", "pods", "--all", "-n", namespace, "--grace-period=1", "--wait=false", check=False,
                    capture=True)
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False, capture=True)
    return problems, leaving


def apply_all(manifests: list[Path], parallel: int = 4) -> list[str]:
    """Server-side apply of every manifest, dry run first, then for real, folder by folder.

    Each folder gets a namespace of its own. Folders whose files are all namespaced run side by
    side (`parallel` at a time); a folder that creates cluster-scoped objects runs alone, and its
    objects are deleted before the next one, so that folders never collide. A file that names its
    own namespace is applied into the folder's namespace instead (the lab never changes
    kube-system). Broken files are left to their chainsaw test, which asserts how they fail.
    """
    folders: dict[Path, list[Path]] = {}
    for manifest in manifests:
        folders.setdefault(manifest.parent, []).append(manifest)
    # Namespaces of this run only: one of an earlier or a parallel run may still be terminating.
    run_id = secrets.token_hex(3)
    numbered = [(f"lab-apply-{run_id}-{n}", folder, files) for n, (folder, files) in enumerate(sorted(folders.items()), 1)]
    alone = [item for item in numbered if any(cluster_scoped(f) for f in item[2])]
    side_by_side = [item for item in numbered if item not in alone]
    problems: list[str] = []
    leaving: list[tuple[str, Path]] = []
    with ThreadPoolExecutor(max(parallel, 1)) as pool:
        for found, gone in pool.map(lambda item: apply_folder(item[1], item[2], item[0]), side_by_side):
            problems += found
            leaving += gone
    for namespace, folder, files in alone:
        found, gone = apply_folder(folder, files, namespace)
        problems += found
        # The next folder may create the same cluster-scoped names: wait until these are gone.
        problems += wait_deleted(gone)
    problems += wait_deleted(leaving)
    # The tests start on nodes that run none of these Pods any more (a drain meets only its own).
    names = [f"namespace/{namespace}" for namespace, _, _ in numbered]
    cluster.kubectl("wait", "--for=delete", "--timeout=120s", *names, check=False, capture=True, timeout=150)
    return problems


def wait_deleted(leaving: list[tuple[str, Path]]) -> list[str]:
    """The chainsaw tests create the same cluster-scoped names (a PersistentVolume, a ClusterRole):
    they must be gone, not only terminating, before the tests start."""
    problems = []
    for namespace, manifest in leaving:
        result = cluster.kubectl("wait", "--for=delete", "--timeout=60s", "-n", namespace, "-f", "-",
                                 input=moved_into(manifest, namespace), check=False, capture=True, timeout=90)
        if result.returncode != 0 and "not found" not in result.stderr.lower():
            problems.append(f"{rel(manifest)}: [api-server delete] still there after 60 s: {' '.join(result.stderr.split())}")
    return problems


def cluster_scoped(path: Path) -> bool:
    kinds = cluster_scoped_kinds()
    return any(d.get("kind") in kinds for d in content.documents(path))


_CLUSTER_SCOPED: set[str] = set()


def cluster_scoped_kinds() -> set[str]:
    """Kinds that live outside namespaces, as the API server says (CRDs included)."""
    if not _CLUSTER_SCOPED:
        result = cluster.kubectl("api-resources", "--namespaced=false", "--no-headers", "-o", "wide",
                                 check=False, capture=True, timeout=60)
        for line in result.stdout.splitlines():
            fields = line.split()
            # NAME [SHORTNAMES] APIVERSION NAMESPACED KIND VERBS...: KIND follows "false".
            if "false" in fields:
                _CLUSTER_SCOPED.add(fields[fields.index("false") + 1])
    return _CLUSTER_SCOPED


def selector(runtime: str) -> str:
    # The runtimes with real nodes (kubeadm, kind) skip the tests of kwok's simulated nodes; the
    # binary runtime skips the tests that need real ones.
    terms = ["lab.nodes!=simulated"] if runtime in cluster.REAL_NODE_RUNTIMES else ["lab.nodes!=real"]
    # The kubeadm runtime reaches no registry: it skips the tests that pull real images.
    if runtime == "kubeadm":
        terms.append("lab.registry!=online")
    if os.geteuid() != 0:
        terms.append("lab.host!=root")
    return ",".join(terms)


def run_chainsaw(dirs: list[Path], runtime: str, parallel: int) -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(bin_dir() / "chainsaw"), "test", "--no-color", "--parallel", str(parallel),
        "--report-format", "JUNIT-TEST", "--report-path", str(REPORTS), "--report-name", f"lab-{runtime}",
        "--apply-timeout", "60s", "--assert-timeout", "90s", "--cleanup-timeout", "90s",
        # Real containers that ignore SIGTERM (a shell as PID 1) would hold each cleanup for the
        # default 30 s grace period; the lab asserts no grace period of its own.
        "--force-termination-grace-period", "2s",
    ]
    labels = selector(runtime)
    if labels:
        cmd += ["--selector", labels]
    for d in dirs:
        cmd += ["--test-dir", str(d)]
    env = cluster.env()
    env["LAB_ROOT"] = str(ROOT)
    env["LAB_RUNTIME"] = runtime
    env["LAB_PYTHON"] = sys.executable  # for the harnesses of the package (python -m cka.labs.etcd)
    return subprocess.call(cmd, cwd=ROOT, env=env)


def lab(args: argparse.Namespace) -> int:
    started = time.monotonic()
    ensure(LAB_TOOLS, quiet=True)
    if os.geteuid() == 0:
        ensure(ROOT_TOOLS, quiet=True)
    if not cluster.reachable():
        raise LabError("no practice cluster answers: run `make cluster-up` first")
    say("==> [1/3] coverage: every manifest applied and every snippet run by a test")
    problems, not_here = coverage()
    for line in not_here:
        say(f"    not run here, shell-checked only: {line}")
    manifests = api_manifests()
    dirs = test_dirs()
    if args.paths:
        wanted = [Path(p).resolve() for p in args.paths]
        dirs = [d for d in dirs if any(d == w or w in d.parents for w in wanted)]
        manifests = [m for m in manifests if any(m.parent == w or w in m.parents for w in wanted)]
    say(f"==> [2/3] server-side apply of {len(manifests)} manifests (dry run, then for real), folder by folder")
    problems += apply_all(manifests, args.parallel)
    for problem in problems:
        print(problem, file=sys.stderr)
    say(f"==> [3/3] {len(dirs)} chainsaw tests on the {args.runtime} runtime ({selector(args.runtime) or 'all'})")
    code = run_chainsaw(dirs, args.runtime, args.parallel) if dirs else 0
    say(f"==> lab finished in {time.monotonic() - started:.1f} s; JUnit report: {rel(REPORTS / f'lab-{args.runtime}.xml')}")
    if problems:
        print(f"lab: {len(problems)} problem(s) before the tests ran (listed above)", file=sys.stderr)
    return 1 if problems or code else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cka.labs.manifests", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="only the manifest folders under these paths")
    parser.add_argument("--runtime", default=cluster.selected_runtime(), choices=cluster.RUNTIMES)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args(argv)
    return run_command(lambda: lab(args))


if __name__ == "__main__":
    sys.exit(main())
