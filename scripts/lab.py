"""Apply every manifest and run every snippet against the practice cluster: `make lab`.

1. Coverage: every Kubernetes manifest under manifests/ is applied by the
   chainsaw-test.yaml of its folder, and every snippet under snippets/ is run by
   some chainsaw test, or its header says why it cannot run here (`Runs on:
   kubeadm node only`, …). A file nobody runs fails the lab with its name.
2. Server-side apply of every manifest, dry run first and then for real, each
   folder in a namespace of its own, so a manifest the API server rejects fails
   with the file's name and the server's message before any test starts.
3. The chainsaw tests (github.com/kyverno/chainsaw), each in a namespace of its
   own: apply, assert the declared state, run the snippets and assert their effect.
   Tests labelled `lab.runtime: kind` run on the kind runtime, all others on the
   binary runtime; tests labelled `lab.host: root` run only as root. A JUnit report lands in build/reports/.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import secrets
import subprocess
import sys
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import cluster  # noqa: E402
import tools  # noqa: E402

REPORTS = ROOT / "build" / "reports"
TEST_FILE = "chainsaw-test.yaml"
# API groups and kinds that are configuration files, not objects of the API server.
NOT_API_GROUPS = ("kubeadm.k8s.io", "kind.x-k8s.io", "kubelet.config.k8s.io", "kubeproxy.config.k8s.io",
                  "chainsaw.kyverno.io", "config.kwok.x-k8s.io", "kustomize.config.k8s.io")
# What the tests labelled `lab.host: root` run besides kubectl: the etcd harness, the host labs.
ROOT_TOOLS = ["etcd", "coredns", "iproute2", "iptables", "ping", "dnsutils"]
RUNS_ON = re.compile(r"^#\s*Runs on:\s*(.+)$", re.M)
NOT_HERE = re.compile(r"kubeadm node only|a host with docker|fresh .*vm|kind node", re.I)


class LabError(Exception):
    pass


def say(message: str) -> None:
    print(message, flush=True)


def documents(path: pathlib.Path) -> list[dict]:
    try:
        return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)]
    except yaml.YAMLError as err:
        raise LabError(f"{rel(path)}: not valid YAML ({err}); run `make validate`") from None


def rel(path: pathlib.Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def is_api_object(doc: dict) -> bool:
    api = str(doc.get("apiVersion", ""))
    if not api or "kind" not in doc:
        return False
    if api == "v1" and doc["kind"] == "Config":  # a kubeconfig file
        return False
    return api.split("/")[0] not in NOT_API_GROUPS


def api_manifests() -> list[pathlib.Path]:
    found = []
    for path in sorted((ROOT / "manifests").rglob("*.y*ml")):
        if path.name == TEST_FILE or (path.parent.name == "templates" and (path.parent.parent / "Chart.yaml").exists()):
            continue  # a Helm chart's templates are rendered by helm in the folder's test
        docs = documents(path)
        if docs and all(is_api_object(d) for d in docs):
            found.append(path)
    return found


def test_dirs() -> list[pathlib.Path]:
    return sorted(p.parent for p in (ROOT / "manifests").rglob(TEST_FILE))


def applied_by(test_text: str, folder: pathlib.Path) -> set[pathlib.Path]:
    """Files of `folder` that a chainsaw test names, directly or through a glob such as role-*.yaml."""
    names = set()
    for token in re.findall(r"[\w./*?$-]+\.ya?ml", test_text):
        pattern = token.rsplit("/", 1)[-1]
        names.update(folder.glob(pattern))
    return names


def coverage() -> tuple[list[str], list[str]]:
    """(problems, snippets that cannot run here with the reason)."""
    problems, not_here = [], []
    tests = {d: (d / TEST_FILE).read_text(encoding="utf-8") for d in test_dirs()}
    for manifest in api_manifests():
        test = tests.get(manifest.parent)
        if test is None:
            problems.append(f"{rel(manifest)}: its folder has no {TEST_FILE}, so the lab never applies it")
        elif manifest not in applied_by(test, manifest.parent):
            problems.append(f"{rel(manifest)}: {rel(manifest.parent / TEST_FILE)} never applies it")
    all_tests = "\n".join(tests.values())
    for snippet in sorted((ROOT / "snippets").rglob("*.sh")):
        header = RUNS_ON.search(snippet.read_text(encoding="utf-8"))
        where = header.group(1).strip() if header else ""
        # By its path: two domains may have a snippet of the same name (dns.sh).
        if rel(snippet) in all_tests:
            continue
        if NOT_HERE.search(where):
            not_here.append(f"{rel(snippet)}: {where}")
        else:
            problems.append(f"{rel(snippet)}: no chainsaw test runs it (and its `# Runs on:` header says it could)")
    return problems, not_here


# Kinds applied first, so that what a Pod or a binding refers to exists when it arrives.
APPLY_ORDER = ["Namespace", "CustomResourceDefinition", "StorageClass", "PriorityClass", "ServiceAccount", "Secret",
               "ConfigMap", "ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding", "PersistentVolume",
               "PersistentVolumeClaim", "Service"]


def apply_rank(path: pathlib.Path) -> tuple[int, str]:
    kinds = [d.get("kind", "") for d in documents(path)]
    ranks = [APPLY_ORDER.index(k) if k in APPLY_ORDER else len(APPLY_ORDER) for k in kinds]
    return (min(ranks, default=len(APPLY_ORDER)), path.name)


def fixed_namespace(path: pathlib.Path) -> str | None:
    for doc in documents(path):
        namespace = (doc.get("metadata") or {}).get("namespace")
        if namespace:
            return namespace
    return None


def apply_all(manifests: list[pathlib.Path]) -> list[str]:
    """Server-side apply of every manifest, dry run first, then for real, one folder at a time.

    Each folder gets a namespace of its own, deleted (with the cluster-scoped objects
    the folder created) before the next folder, so that folders never collide. A file
    that names its own namespace (kube-system, say) is only dry-run. Broken files are
    left to their chainsaw test, which asserts how they fail.
    """
    problems = []
    folders: dict[pathlib.Path, list[pathlib.Path]] = {}
    for manifest in manifests:
        folders.setdefault(manifest.parent, []).append(manifest)
    # Namespaces of this run only: one of an earlier or a parallel run may still be terminating.
    run_id = secrets.token_hex(3)
    leaving: list[tuple[str, pathlib.Path]] = []
    for number, (folder, files) in enumerate(sorted(folders.items()), 1):
        namespace = f"lab-apply-{run_id}-{number}"
        result = cluster.kubectl("create", "namespace", namespace, check=False, capture=True)
        if result.returncode != 0:
            problems.append(f"{rel(folder)}: cannot create namespace {namespace}: {' '.join(result.stderr.split())}")
            continue
        created = []
        for manifest in sorted(files, key=apply_rank):
            if re.search(r"^#\s*Broken:", manifest.read_text(encoding="utf-8"), re.M):
                continue
            own = fixed_namespace(manifest)
            target = ["-n", own] if own else ["-n", namespace]
            base = ["apply", "--server-side", "--field-manager=lab", *target, "-f", str(manifest)]
            # A file with its own namespace is only dry-run: the lab does not change kube-system.
            modes = [["--dry-run=server"]] if own else [["--dry-run=server"], []]
            accepted = True
            for mode in modes:
                result = cluster.kubectl(*base, *mode, check=False, capture=True, timeout=60)
                if result.returncode != 0:
                    what = "dry run" if mode else "apply"
                    problems.append(f"{rel(manifest)}: [api-server {what}] {' '.join(result.stderr.split())}")
                    accepted = False
                    break
            if accepted and not own:
                created.append(manifest)
                if any(d.get("kind") == "CustomResourceDefinition" for d in documents(manifest)):
                    # Its custom resources, applied next, need the new API served first.
                    cluster.kubectl("wait", "--for=condition=Established", "--timeout=30s", "-f", str(manifest),
                                    check=False, capture=True, timeout=40)
        for manifest in reversed(created):
            cluster.kubectl("delete", "-n", namespace, "--ignore-not-found", "--wait=false", "-f", str(manifest),
                            check=False, capture=True, timeout=60)
            if cluster_scoped(manifest):
                leaving.append((namespace, manifest))
        cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False, capture=True)
    # The chainsaw tests create the same cluster-scoped names (a PersistentVolume, a ClusterRole):
    # they must be gone, not only terminating, before the tests start.
    for namespace, manifest in leaving:
        result = cluster.kubectl("wait", "--for=delete", "--timeout=60s", "-n", namespace, "-f", str(manifest),
                                 check=False, capture=True, timeout=90)
        if result.returncode != 0 and "not found" not in result.stderr.lower():
            problems.append(f"{rel(manifest)}: [api-server delete] still there after 60 s: {' '.join(result.stderr.split())}")
    return problems


def cluster_scoped(path: pathlib.Path) -> bool:
    kinds = cluster_scoped_kinds()
    return any(d.get("kind") in kinds for d in documents(path))


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
    # The binary runtime runs every test not marked for kind. The kind runtime (GitHub
    # Actions) runs the tests marked for it: what simulated nodes cannot do.
    terms = ["lab.runtime=kind" if runtime == "kind" else "lab.runtime!=kind"]
    if os.geteuid() != 0:
        terms.append("lab.host!=root")
    return ",".join(terms)


def run_chainsaw(dirs: list[pathlib.Path], runtime: str, parallel: int) -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(tools.bin_dir() / "chainsaw"), "test", "--no-color", "--parallel", str(parallel),
        "--report-format", "JUNIT-TEST", "--report-path", str(REPORTS), "--report-name", "lab",
        "--apply-timeout", "60s", "--assert-timeout", "90s",
    ]
    labels = selector(runtime)
    if labels:
        cmd += ["--selector", labels]
    for d in dirs:
        cmd += ["--test-dir", str(d)]
    env = cluster.env()
    env["LAB_ROOT"] = str(ROOT)
    env["LAB_RUNTIME"] = runtime
    env["LAB_PYTHON"] = sys.executable  # for the harnesses in scripts/ (scripts/lab_etcd.py)
    return subprocess.call(cmd, cwd=ROOT, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="only the test folders under these paths")
    parser.add_argument("--runtime", default=os.environ.get("CLUSTER_RUNTIME") or "binary", choices=("binary", "kind"))
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    started = time.monotonic()
    try:
        tools.ensure(["chainsaw", "kubernetes", "helm", "cert-manager-crds"], quiet=True)
        if os.geteuid() == 0:
            tools.ensure(ROOT_TOOLS, quiet=True)
        if not cluster.reachable():
            raise LabError("no practice cluster answers: run `make cluster-up` first")
        say("==> [1/3] coverage: every manifest applied and every snippet run by a test")
        problems, not_here = coverage()
        for line in not_here:
            say(f"    not run here, shell-checked only: {line}")
        say(f"==> [2/3] server-side apply of {len(api_manifests())} manifests (dry run, then for real), folder by folder")
        problems += apply_all(api_manifests())
        for problem in problems:
            print(problem, file=sys.stderr)
        dirs = test_dirs()
        if args.paths:
            wanted = [pathlib.Path(p).resolve() for p in args.paths]
            dirs = [d for d in dirs if any(d == w or w in d.parents for w in wanted)]
        say(f"==> [3/3] {len(dirs)} chainsaw tests on the {args.runtime} runtime ({selector(args.runtime) or 'all'})")
        code = run_chainsaw(dirs, args.runtime, args.parallel) if dirs else 0
    except (LabError, cluster.ClusterError, tools.ToolError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    say(f"==> lab finished in {time.monotonic() - started:.1f} s; JUnit report: {rel(REPORTS / 'lab.xml')}")
    if problems:
        print(f"lab: {len(problems)} problem(s) before the tests ran (listed above)", file=sys.stderr)
    return 1 if problems or code else 0


if __name__ == "__main__":
    sys.exit(main())
