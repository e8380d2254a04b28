"""Building Go tools from the Go module proxy: go install, wrapper modules, patched copies.

Every Go tool is built with the local toolchain (GOTOOLCHAIN=local, CGO off), from
modules that `go mod download` fetches from the module proxy; nothing else is
downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import cache_dir, src_dir
from ..console import duration, say
from ..errors import ProjectError
from ..paths import GO_SOURCES

if TYPE_CHECKING:
    from .registry import Tool

# Oldest Go that builds every pinned tool (etcd v3.6 and kwok v0.8 need 1.26).
MIN_GO = (1, 26)

K8S_BINARIES = ("kubeadm", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
# What only a real node runs (the kubeadm runtime): a tool of its own, built when that runtime starts.
K8S_NODE_BINARIES = ("kubelet", "kube-proxy")
# binary name -> module (the module root is its main package)
ETCD_MODULES = {
    "etcd": "go.etcd.io/etcd/server/v3",
    "etcdctl": "go.etcd.io/etcd/etcdctl/v3",
    "etcdutl": "go.etcd.io/etcd/etcdutl/v3",
}


def go_env() -> dict:
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOWORK="off", CGO_ENABLED="0", GOFLAGS=env.get("GOFLAGS", "-buildvcs=false"))
    if "-buildvcs" not in env["GOFLAGS"]:
        env["GOFLAGS"] += " -buildvcs=false"
    return env


def run(cmd: list[str], *, cwd: Path | None = None, env: dict | None = None, what: str = "") -> str:
    """Run a command, print a heartbeat while it takes long, return stdout; ProjectError on failure."""
    done = threading.Event()
    start = time.monotonic()

    def heartbeat():
        while not done.wait(60):
            say(f"    ... still {what or 'working'} ({duration(time.monotonic() - start)})")

    t = threading.Thread(target=heartbeat, daemon=True)
    t.start()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError as exc:
        raise ProjectError(f"{cmd[0]} is not installed") from exc
    finally:
        done.set()
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
        raise ProjectError(f"{what or cmd[0]} failed ({' '.join(cmd[:3])}... exited {proc.returncode}):\n{tail}")
    return proc.stdout


def require_go() -> None:
    go = shutil.which("go")
    if not go:
        raise ProjectError(
            "go is not installed: install Go %d.%d or newer (https://go.dev/dl/ or your distribution's "
            "golang package) and run `make tools` again" % MIN_GO
        )
    out = subprocess.run([go, "env", "GOVERSION"], stdout=subprocess.PIPE, text=True, env=go_env()).stdout.strip()
    m = re.match(r"go(\d+)\.(\d+)", out)
    if m and (int(m.group(1)), int(m.group(2))) < MIN_GO:
        raise ProjectError(f"{out} is too old: the pinned tools need Go {MIN_GO[0]}.{MIN_GO[1]} or newer")


def go_mod_download(module: str, version: str) -> dict:
    """Download a module into the module cache; return `go mod download -json` fields (GoMod, Dir, Info)."""
    out = run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        cwd=cache_dir(),
        env=go_env(),
        what=f"downloading {module}@{version}",
    )
    info = json.loads(out)
    if info.get("Error"):
        raise ProjectError(f"cannot download {module}@{version}: {info['Error']}")
    return info


def module_dir(module: str, version: str) -> Path:
    """A Go module's own files (CRD YAML, kustomize bases), from the module cache."""
    return Path(go_mod_download(module, version)["Dir"])


# --------------------------------------------------------------------------- installers


def _ldflags(extra: str = "") -> str:
    return ("-s -w " + extra).strip()


def go_install(tool: Tool, out: Path, packages: list[str], ldflags: str, tags: str = "") -> None:
    env = go_env()
    env["GOBIN"] = str(out)
    run(
        ["go", "install", "-trimpath", "-ldflags", _ldflags(ldflags)] + (["-tags", tags] if tags else [])
        + [f"{p}@{tool.version}" for p in packages],
        cwd=cache_dir(),
        env=env,
        what=f"building {tool.name}",
    )


def _parse_go_line(gomod: str) -> str:
    m = re.search(r"^go\s+(\S+)", gomod, re.M)
    return m.group(1) if m else "1.22"


def _version_tuple(v: str) -> tuple:
    return tuple(int(x) for x in re.findall(r"\d+", v))


def kubernetes_staging_modules(gomod: str) -> list[str]:
    """The staging modules k8s.io/kubernetes replaces with ./staging/src/<module>, from its go.mod."""
    mods = re.findall(r"^\s*(?:replace\s+)?(k8s\.io/[\w.\-/]+)\s*=>\s*\./staging/src/(\S+)\s*$", gomod, re.M)
    return sorted(m for m, path in mods if path == m)


def write_kubernetes_wrapper(srcdir: Path, version: str, staging: str, kk_gomod: str) -> None:
    mods = kubernetes_staging_modules(kk_gomod)
    if len(mods) < 20:
        raise ProjectError(f"found only {len(mods)} staging modules in k8s.io/kubernetes {version}'s go.mod")
    godebug = re.findall(r"^godebug\s+.*$", kk_gomod, re.M)
    lines = [
        "// Generated by cka.tools: builds k8s.io/kubernetes binaries from the Go module proxy.",
        "module cka-guide.local/kubernetes-tools",
        "",
        f"go {_parse_go_line(kk_gomod)}",
        "",
        *godebug,
        "",
        f"require k8s.io/kubernetes {version}",
        "",
        "replace (",
        *[f"\t{m} => {m} {staging}" for m in mods],
        ")",
        "",
    ]
    write_module(srcdir, lines)


def write_module(srcdir: Path, lines: list[str]) -> None:
    """A wrapper module's go.mod (and an empty go.sum that `go get` fills)."""
    srcdir.mkdir(parents=True, exist_ok=True)
    (srcdir / "go.mod").write_text("\n".join(lines))
    (srcdir / "go.sum").write_text("")


def build_kubernetes(tool: Tool, out: Path, staging: str) -> None:
    version = tool.version
    m = re.fullmatch(r"v1\.(\d+)\.(\d+)", version)
    if not m or staging != f"v0.{m.group(1)}.{m.group(2)}":
        raise ProjectError(f"versions.yaml: kubernetes.staging {staging} does not match kubernetes.version {version}")
    info = go_mod_download("k8s.io/kubernetes", version)
    kk_gomod = Path(info["GoMod"]).read_text()
    srcdir = src_dir() / tool.key
    write_kubernetes_wrapper(srcdir, version, staging, kk_gomod)
    build_date = "1970-01-01T00:00:00Z"
    with contextlib.suppress(Exception):
        build_date = json.loads(Path(info["Info"]).read_text())["Time"]
    commit = ""
    with contextlib.suppress(Exception):
        commit = json.loads(Path(info["Info"]).read_text())["Origin"]["Hash"]
    pkg = "k8s.io/component-base/version"
    flags = [
        f"-X {pkg}.gitVersion={version}",
        f"-X {pkg}.gitMajor=1",
        f"-X {pkg}.gitMinor={m.group(1)}",
        f"-X {pkg}.gitTreeState=clean",
        f"-X {pkg}.buildDate={build_date}",
    ]
    if commit:
        flags.append(f"-X {pkg}.gitCommit={commit}")
    pkgs = [f"k8s.io/kubernetes/cmd/{b}" for b in tool.binaries]
    env = go_env()
    say(f"    resolving dependencies ({len(kubernetes_staging_modules(kk_gomod))} staging modules -> {staging})")
    run(["go", "get"] + [f"{p}@{version}" for p in pkgs], cwd=srcdir, env=env, what="resolving dependencies")
    say("    compiling")
    run(
        ["go", "build", "-trimpath", "-ldflags", _ldflags(" ".join(flags)), "-o", str(out) + "/"] + pkgs,
        cwd=srcdir,
        env=env,
        what=f"building kubernetes {version}",
    )


def verify_kubernetes_node(tool: Tool, out: Path) -> None:
    text = run([str(out / "kubelet"), "--version"], what="kubelet --version")
    if tool.version not in text:
        raise ProjectError(f"kubelet reports {text.strip()!r}, expected {tool.version}")


def verify_kubernetes(tool: Tool, out: Path) -> None:
    text = run([str(out / "kubectl"), "version", "--client"], what="kubectl version")
    if tool.version not in text:
        raise ProjectError(f"kubectl reports {text.strip()!r}, expected {tool.version}")
    text = run([str(out / "kubeadm"), "version", "-o", "short"], what="kubeadm version")
    if text.strip() != tool.version:
        raise ProjectError(f"kubeadm reports {text.strip()!r}, expected {tool.version}")


def verify_kubernetes_all(tool: Tool, out: Path) -> None:
    verify_kubernetes(tool, out)
    verify_kubernetes_node(tool, out)


def write_etcd_wrapper(srcdir: Path, version: str, gomods: dict[str, str]) -> None:
    """A module requiring the etcd main modules, with their release replace lines turned into versions."""
    replaced = set()
    for text in gomods.values():
        for mod, target in re.findall(r"^\s*(?:replace\s+)?(go\.etcd\.io/\S+)\s*=>\s*(\.\./\S+)\s*$", text, re.M):
            replaced.add(mod)
    replaced |= set(gomods)
    go_line = max((_parse_go_line(t) for t in gomods.values()), key=_version_tuple)
    lines = [
        "// Generated by cka.tools: builds etcd binaries from the Go module proxy.",
        "module cka-guide.local/etcd-tools",
        "",
        f"go {go_line}",
        "",
        "require (",
        *[f"\t{m} {version}" for m in sorted(gomods)],
        ")",
        "",
        "replace (",
        *[f"\t{m} => {m} {version}" for m in sorted(replaced)],
        ")",
        "",
    ]
    write_module(srcdir, lines)


def build_etcd(tool: Tool, out: Path) -> None:
    gomods = {}
    for mod in ETCD_MODULES.values():
        gomods[mod] = Path(go_mod_download(mod, tool.version)["GoMod"]).read_text()
    srcdir = src_dir() / tool.key
    write_etcd_wrapper(srcdir, tool.version, gomods)
    env = go_env()
    pkgs = list(ETCD_MODULES.values())
    run(["go", "get"] + [f"{p}@{tool.version}" for p in pkgs], cwd=srcdir, env=env, what="resolving dependencies")
    for binary, mod in ETCD_MODULES.items():
        say(f"    compiling {binary}")
        run(
            ["go", "build", "-trimpath", "-ldflags", _ldflags(), "-o", str(out / binary), mod],
            cwd=srcdir,
            env=env,
            what=f"building {binary}",
        )


def build_etcdcheck(tool: Tool, out: Path) -> None:
    """Build scripts/go/etcdcheck in a wrapper module like etcd's (the server module's replaces as versions)."""
    server = ETCD_MODULES["etcd"]
    gomods = {server: Path(go_mod_download(server, tool.version)["GoMod"]).read_text()}
    srcdir = src_dir() / tool.key
    if srcdir.exists():
        shutil.rmtree(srcdir)
    write_etcd_wrapper(srcdir, tool.version, gomods)
    shutil.copy(GO_SOURCES / "etcdcheck" / "main.go", srcdir / "main.go")
    env = go_env()
    run(["go", "mod", "tidy"], cwd=srcdir, env=env, what="resolving dependencies")
    run(
        ["go", "build", "-trimpath", "-ldflags", _ldflags(), "-o", str(out / "etcdcheck"), "."],
        cwd=srcdir,
        env=env,
        what="building etcdcheck",
    )


def verify_etcd(tool: Tool, out: Path) -> None:
    want = tool.version.lstrip("v")
    text = run([str(out / "etcd"), "--version"], what="etcd --version")
    if f"etcd Version: {want}" not in text:
        raise ProjectError(f"etcd reports {text.strip()!r}, expected {want}")
    text = run([str(out / "etcdctl"), "version"], what="etcdctl version")
    if want not in text:
        raise ProjectError(f"etcdctl reports {text.strip()!r}, expected {want}")


def copy_module(module: str, version: str, dest: Path) -> None:
    """A writable copy of a module's source from the module cache."""
    info = go_mod_download(module, version)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(info["Dir"], dest, ignore=shutil.ignore_patterns("*_test.go", "testdata", ".git*"))
    for dirpath, dirnames, filenames in os.walk(dest):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)


def apply_edits(srcdir: Path, edits_file: Path) -> None:
    """The text replacements of a patch's edits.yaml: each `old` must occur exactly `count` times."""
    import yaml  # noqa: PLC0415 - only the patched builds need it

    for n, edit in enumerate(yaml.safe_load(edits_file.read_text(encoding="utf-8")) or [], 1):
        target = srcdir / edit["file"]
        text = target.read_text(encoding="utf-8") if target.is_file() else ""
        found = text.count(edit["old"])
        if found != edit.get("count", 1):
            raise ProjectError(f"{edits_file}: edit {n} expects its `old` text {edit.get('count', 1)} time(s) in "
                               f"{edit['file']}, found {found}: the pinned version changed; update or drop the edit")
        target.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")
        say(f"    patch: {edit['file']} ({edit['why']})")


def build_patched(tool: Tool, out: Path, module: str, patch_dir: Path, ldflags: str = "", package: str = ".") -> None:
    """Build a module's main package from a copy of its source with the files of patch_dir added
    and the replacements of patch_dir/edits.yaml made."""
    srcdir = src_dir() / tool.key
    copy_module(module, tool.version, srcdir)
    for f in sorted(patch_dir.rglob("*.go")):
        rel = f.relative_to(patch_dir)
        (srcdir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, srcdir / rel)
        say(f"    patch: {rel}")
    if (patch_dir / "edits.yaml").is_file():
        apply_edits(srcdir, patch_dir / "edits.yaml")
    run(
        ["go", "build", "-trimpath", "-ldflags", _ldflags(ldflags), "-o", str(out / tool.binaries[0]), package],
        cwd=srcdir,
        env=go_env(),
        what=f"building {tool.name}",
    )


def build_kindcheck(tool: Tool, out: Path) -> None:
    """Build scripts/go/kindcheck inside a copy of sigs.k8s.io/kind, so it can use kind's internal config loader."""
    src = GO_SOURCES / "kindcheck" / "main.go"
    srcdir = src_dir() / tool.key
    copy_module("sigs.k8s.io/kind", tool.version, srcdir)
    dest = srcdir / "pkg" / "ckaguide" / "kindcheck"
    dest.mkdir(parents=True)
    shutil.copy(src, dest / "main.go")
    run(
        ["go", "build", "-trimpath", "-ldflags", _ldflags(), "-o", str(out / "kindcheck"), "./pkg/ckaguide/kindcheck"],
        cwd=srcdir,
        env=go_env(),
        what="building kindcheck",
    )


CONFIGCHECK_MODULES = (
    "k8s.io/apimachinery",
    "k8s.io/apiserver",
    "k8s.io/client-go",
    "k8s.io/kube-proxy",
    "k8s.io/kube-scheduler",
    "k8s.io/kubelet",
)


def build_configcheck(tool: Tool, out: Path, staging: str) -> None:
    """Build scripts/go/configcheck in a generated module on the pinned staging modules."""
    srcdir = src_dir() / tool.key
    if srcdir.exists():
        shutil.rmtree(srcdir)
    srcdir.mkdir(parents=True)
    shutil.copy(GO_SOURCES / "configcheck" / "main.go", srcdir / "main.go")
    lines = [
        "// Generated by cka.tools from scripts/go/configcheck.",
        "module cka-guide.local/configcheck",
        "",
        "go 1.25.0",
        "",
        "require (",
        *[f"\t{m} {staging}" for m in CONFIGCHECK_MODULES],
        ")",
        "",
    ]
    (srcdir / "go.mod").write_text("\n".join(lines))
    env = go_env()
    run(["go", "mod", "tidy"], cwd=srcdir, env=env, what="resolving dependencies")
    got = run(["go", "list", "-m", "-f", "{{.Path}} {{.Version}}"] + list(CONFIGCHECK_MODULES), cwd=srcdir, env=env)
    for line in got.splitlines():
        mod, version = line.split()
        if version != staging:
            raise ProjectError(f"configcheck: {mod} resolved to {version}, expected {staging}")
    run(
        ["go", "build", "-trimpath", "-ldflags", _ldflags(), "-o", str(out / "configcheck"), "."],
        cwd=srcdir,
        env=env,
        what="building configcheck",
    )


def build_schemas(tool: Tool, out: Path) -> None:
    from ..checks import schemas  # noqa: PLC0415 - only needed here

    info = go_mod_download("k8s.io/kubernetes", tool.version)
    spec = Path(info["Dir"]) / "api" / "openapi-spec" / "swagger.json"
    count = schemas.generate(spec, out)
    say(f"    {count} schemas")


def copy_module_files(tool: Tool, out: Path, module: str, subdir: str) -> None:
    """The YAML files of one directory of a module (an operator's CRDs), copied from the module cache."""
    src = Path(go_mod_download(module, tool.version)["Dir"]) / subdir
    files = sorted(src.glob("*.yaml"))
    if not files:
        raise ProjectError(f"no YAML files in {module}@{tool.version} {subdir}")
    (out / "crds").mkdir()  # only the YAML, so that `kubectl apply -f <folder>` takes nothing else
    for f in files:
        (out / "crds" / f.name).write_text(f.read_text())
    say(f"    {len(files)} files")


def copy_chainsaw_schemas(tool: Tool, out: Path, module: str) -> None:
    """chainsaw's embedded JSON schemas ({kind}-chainsaw-{version}.json: kubeconform's own naming)."""
    info = go_mod_download(module, tool.version)
    src = Path(info["Dir"]) / "pkg" / "data" / "schemas" / "json"
    count = 0
    for f in sorted(src.glob("*.json")):
        schema = json.loads(f.read_text())
        schema.pop("$schema", None)  # a meta-schema URL; nothing may be fetched
        (out / f.name).write_text(json.dumps(schema, separators=(",", ":")))
        count += 1
    if not count:
        raise ProjectError(f"no JSON schemas in {module}@{tool.version} pkg/data/schemas/json")
    say(f"    {count} schemas")

