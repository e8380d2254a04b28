#!/usr/bin/env python3
"""Install the project's pinned external tools into a per-user cache.

    scripts/tools.py install [NAME...]   build or install what is missing (all by default)
    scripts/tools.py path                print the directory to put on PATH
    scripts/tools.py list                show what is installed, outdated or missing

Every version comes from versions.yaml. Tools land in versioned directories
(`<cache>/tools/kubeconform-v0.7.0/kubeconform`) and `<cache>/bin/` holds one
stable symlink per binary, so a version bump installs the new tool by itself and
a stale one is never picked up. The cache is
`${CKA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cka-guide}`, outside the
repository, so a fresh clone (CI) reuses it.

Go tools are built from the Go module proxy; Debian packages are installed with
apt-get. A second run checks a stamp per tool and finishes in well under a second.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
VERSIONS_FILE = ROOT / "versions.yaml"
# Oldest Go that builds every pinned tool (etcd v3.6 and kwok v0.8 need 1.26).
MIN_GO = (1, 26)


class ToolError(Exception):
    """A problem the user can fix; printed as one sentence, never as a traceback."""


def run_command(command, *errors: type[Exception]) -> int:
    """The exit status of a script's command: a ToolError (or one of `errors`, the script's
    own) is one line on stderr and status 1, never a traceback; Ctrl-C is status 130."""
    try:
        return command()
    except (ToolError, *errors) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


# --------------------------------------------------------------------------- paths


def cache_dir() -> Path:
    if os.environ.get("CKA_TOOLS_DIR"):
        return Path(os.environ["CKA_TOOLS_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "cka-guide"


def bin_dir() -> Path:
    return cache_dir() / "bin"


def tools_dir() -> Path:
    return cache_dir() / "tools"


def src_dir() -> Path:
    return cache_dir() / "src"


def tool_path(binary: str) -> str:
    """Absolute path of an installed binary (through its stable symlink)."""
    return str(bin_dir() / binary)


# --------------------------------------------------------------------------- versions


def load_versions(path: Path = VERSIONS_FILE) -> dict:
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - the venv has PyYAML
        raise ToolError("PyYAML is missing: run the script with .venv/bin/python (make tools)") from exc
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise ToolError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ToolError(f"{path} is not a mapping")
    return data


def _get(data: dict, *keys: str):
    cur = data
    for key in keys:
        if not isinstance(cur, dict) or key not in cur:
            raise ToolError(f"versions.yaml has no {'.'.join(keys)}")
        cur = cur[key]
    return cur


# --------------------------------------------------------------------------- tools


@dataclass
class Tool:
    name: str
    version: str
    binaries: tuple[str, ...]
    kind: str  # "go", "debian", "data"
    summary: str
    install: Callable[["Tool", Path], None] = field(repr=False, default=None)
    verify: Callable[["Tool", Path], None] | None = field(repr=False, default=None)
    recipe: str = ""  # anything that changes the built result; hashed into the stamp
    estimate: str = ""  # cold install time, shown in the progress line
    package: str = ""  # Debian package
    min_version: str = ""  # Debian: oldest acceptable version

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def dir(self) -> Path:
        return tools_dir() / self.key

    @property
    def recipe_hash(self) -> str:
        return hashlib.sha256(f"{self.kind}|{self.version}|{self.recipe}".encode()).hexdigest()[:16]


def _file_digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def registry(versions: dict | None = None) -> list[Tool]:
    """Every tool the project uses, in install order, from versions.yaml."""
    v = versions if versions is not None else load_versions()
    tools: list[Tool] = []
    go_tools = _get(v, "go_tools")
    k8s_version = _get(v, "kubernetes", "version")

    def go_tool(name, binaries, packages, ldflags="", estimate=""):
        spec = _get(go_tools, name)
        module, version = spec["module"], spec["version"]
        pkgs = [module + ("" if p in (".", "./") else "/" + p.lstrip("./")) for p in packages]
        tools.append(
            Tool(
                name=name,
                version=version,
                binaries=tuple(binaries),
                kind="go",
                summary=f"{module} (go install)",
                install=lambda t, d, pkgs=pkgs, ldflags=ldflags: _go_install(t, d, pkgs, ldflags),
                recipe=f"{pkgs}|{ldflags}",
                estimate=estimate,
            )
        )

    kind_version = _get(go_tools, "kind", "version")
    go_tool("kubeconform", ["kubeconform"], [go_tools["kubeconform"].get("package", ".")], estimate="~1 min")
    go_tool("actionlint", ["actionlint"], [go_tools["actionlint"].get("package", ".")], estimate="~1 min")
    # kwokctl defaults to the project's Kubernetes and kind versions.
    go_tool(
        "kwok",
        ["kwok", "kwokctl"],
        ["./cmd/kwok", "./cmd/kwokctl"],
        ldflags=(
            f"-X sigs.k8s.io/kwok/pkg/consts.KubeVersion={k8s_version.lstrip('v')} "
            f"-X sigs.k8s.io/kwok/pkg/consts.KindVersion={kind_version.lstrip('v')}"
        ),
        estimate="~2 min",
    )
    go_tool("kind", ["kind"], ["."], estimate="~1 min")
    go_tool("coredns", ["coredns"], ["."], estimate="~5 min")
    metrics_server = _get(go_tools, "metrics-server")
    go_tool("metrics-server", ["metrics-server"], [metrics_server["package"]],
            ldflags=f"-X k8s.io/client-go/pkg/version.gitVersion={metrics_server['version']}", estimate="~4 min")
    chainsaw = _get(go_tools, "chainsaw")
    patch_dir = SCRIPTS / "go" / "patches" / "chainsaw"
    patches = sorted(p for p in patch_dir.rglob("*.go")) if patch_dir.is_dir() else []
    tools.append(
        Tool(
            name="chainsaw",
            version=chainsaw["version"],
            binaries=("chainsaw",),
            kind="go",
            summary=f"{chainsaw['module']} (patched for Go 1.25+, scripts/go/patches/chainsaw)",
            install=lambda t, d: _build_patched(
                t, d, chainsaw["module"], patch_dir, f"-X {chainsaw['module']}/pkg/version.BuildVersion={t.version}"
            ),
            recipe=(_file_digest(*patches) if patches else "") + "|patched-1",
            estimate="~8 min",
        )
    )

    staging = _get(v, "kubernetes", "staging")
    tools.append(
        Tool(
            name="kubernetes",
            version=k8s_version,
            binaries=K8S_BINARIES,
            kind="go",
            summary=f"k8s.io/kubernetes {k8s_version} (wrapper module, staging {staging})",
            install=lambda t, d: _build_kubernetes(t, d, staging),
            verify=_verify_kubernetes,
            recipe=f"{K8S_BINARIES}|{staging}|wrapper-2",
            estimate="~15 min",
        )
    )
    etcd_version = _get(v, "etcd", "version")
    tools.append(
        Tool(
            name="etcd",
            version=etcd_version,
            binaries=tuple(ETCD_MODULES),
            kind="go",
            summary=f"go.etcd.io/etcd {etcd_version} (wrapper module)",
            install=_build_etcd,
            verify=_verify_etcd,
            recipe=f"{sorted(ETCD_MODULES.items())}|wrapper-1",
            estimate="~2 min",
        )
    )
    def checker(name, version, summary, build, salt=""):
        """A small Go program of the project's own, scripts/go/<name>/main.go, built against a pinned module."""
        src = SCRIPTS / "go" / name / "main.go"
        tools.append(
            Tool(
                name=name,
                version=version,
                binaries=(name,),
                kind="go",
                summary=f"{summary} (scripts/go/{name})",
                install=build,
                recipe=(_file_digest(src) if src.exists() else "missing") + salt,
                estimate="~1 min",
            )
        )

    checker("etcdcheck", etcd_version, f"etcd configuration file checker on go.etcd.io/etcd/server/v3 {etcd_version}",
            _build_etcdcheck)
    checker("kindcheck", kind_version, f"kind's own config loader and validation, sigs.k8s.io/kind {kind_version}",
            _build_kindcheck)
    checker("configcheck", k8s_version, f"component config and kubeconfig checker on the {staging} staging modules",
            lambda t, d: _build_configcheck(t, d, staging), salt=staging)
    gen = SCRIPTS / "validation" / "schemas.py"
    tools.append(
        Tool(
            name="k8s-schemas",
            version=k8s_version,
            binaries=(),
            kind="data",
            summary=f"JSON schemas for kubeconform from k8s.io/kubernetes {k8s_version} api/openapi-spec",
            install=_build_schemas,
            recipe=_file_digest(gen) if gen.exists() else "missing",
            estimate="seconds",
        )
    )
    tools.append(
        Tool(
            name="chainsaw-schemas",
            version=chainsaw["version"],
            binaries=(),
            kind="data",
            summary=f"JSON schemas of chainsaw {chainsaw['version']} (what `chainsaw lint` checks), for kubeconform",
            install=lambda t, d: _copy_chainsaw_schemas(t, d, chainsaw["module"]),
            recipe="copy-1",
            estimate="seconds",
        )
    )
    for name, spec in (v.get("debian") or {}).items():
        tools.append(
            Tool(
                name=name,
                version="debian",
                binaries=tuple(spec.get("binaries") or [name]),
                kind="debian",
                summary=f"Debian package {spec.get('package', name)}"
                + (f" (>= {spec['min_version']})" if spec.get("min_version") else ""),
                install=_apt_install,
                package=spec.get("package", name),
                min_version=str(spec.get("min_version", "")),
            )
        )
    return tools


K8S_BINARIES = ("kubeadm", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
# binary name -> module (the module root is its main package)
ETCD_MODULES = {
    "etcd": "go.etcd.io/etcd/server/v3",
    "etcdctl": "go.etcd.io/etcd/etcdctl/v3",
    "etcdutl": "go.etcd.io/etcd/etcdutl/v3",
}


# --------------------------------------------------------------------------- running


def _say(msg: str) -> None:
    print(msg, flush=True)


def go_env() -> dict:
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOWORK="off", CGO_ENABLED="0", GOFLAGS=env.get("GOFLAGS", "-buildvcs=false"))
    if "-buildvcs" not in env["GOFLAGS"]:
        env["GOFLAGS"] += " -buildvcs=false"
    return env


def run(cmd: list[str], *, cwd: Path | None = None, env: dict | None = None, what: str = "") -> str:
    """Run a command, print a heartbeat while it takes long, return stdout; ToolError on failure."""
    done = threading.Event()
    start = time.monotonic()

    def heartbeat():
        while not done.wait(60):
            _say(f"    ... still {what or 'working'} ({_fmt(time.monotonic() - start)})")

    t = threading.Thread(target=heartbeat, daemon=True)
    t.start()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError as exc:
        raise ToolError(f"{cmd[0]} is not installed") from exc
    finally:
        done.set()
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
        raise ToolError(f"{what or cmd[0]} failed ({' '.join(cmd[:3])}... exited {proc.returncode}):\n{tail}")
    return proc.stdout


def _fmt(seconds: float) -> str:
    return f"{seconds:.1f}s" if seconds < 60 else f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def require_go() -> None:
    go = shutil.which("go")
    if not go:
        raise ToolError(
            "go is not installed: install Go %d.%d or newer (https://go.dev/dl/ or your distribution's "
            "golang package) and run `make tools` again" % MIN_GO
        )
    out = subprocess.run([go, "env", "GOVERSION"], stdout=subprocess.PIPE, text=True, env=go_env()).stdout.strip()
    m = re.match(r"go(\d+)\.(\d+)", out)
    if m and (int(m.group(1)), int(m.group(2))) < MIN_GO:
        raise ToolError(f"{out} is too old: the pinned tools need Go {MIN_GO[0]}.{MIN_GO[1]} or newer")


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
        raise ToolError(f"cannot download {module}@{version}: {info['Error']}")
    return info


# --------------------------------------------------------------------------- installers


def _ldflags(extra: str = "") -> str:
    return ("-s -w " + extra).strip()


def _go_install(tool: Tool, out: Path, packages: list[str], ldflags: str) -> None:
    env = go_env()
    env["GOBIN"] = str(out)
    run(
        ["go", "install", "-trimpath", "-ldflags", _ldflags(ldflags)] + [f"{p}@{tool.version}" for p in packages],
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
        raise ToolError(f"found only {len(mods)} staging modules in k8s.io/kubernetes {version}'s go.mod")
    godebug = re.findall(r"^godebug\s+.*$", kk_gomod, re.M)
    lines = [
        "// Generated by scripts/tools.py: builds k8s.io/kubernetes binaries from the Go module proxy.",
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
    srcdir.mkdir(parents=True, exist_ok=True)
    (srcdir / "go.mod").write_text("\n".join(lines))
    (srcdir / "go.sum").write_text("")


def _build_kubernetes(tool: Tool, out: Path, staging: str) -> None:
    version = tool.version
    m = re.fullmatch(r"v1\.(\d+)\.(\d+)", version)
    if not m or staging != f"v0.{m.group(1)}.{m.group(2)}":
        raise ToolError(f"versions.yaml: kubernetes.staging {staging} does not match kubernetes.version {version}")
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
    _say(f"    resolving dependencies ({len(kubernetes_staging_modules(kk_gomod))} staging modules -> {staging})")
    run(["go", "get"] + [f"{p}@{version}" for p in pkgs], cwd=srcdir, env=env, what="resolving dependencies")
    _say("    compiling")
    run(
        ["go", "build", "-trimpath", "-ldflags", _ldflags(" ".join(flags)), "-o", str(out) + "/"] + pkgs,
        cwd=srcdir,
        env=env,
        what=f"building kubernetes {version}",
    )


def _verify_kubernetes(tool: Tool, out: Path) -> None:
    text = run([str(out / "kubectl"), "version", "--client"], what="kubectl version")
    if tool.version not in text:
        raise ToolError(f"kubectl reports {text.strip()!r}, expected {tool.version}")
    text = run([str(out / "kubeadm"), "version", "-o", "short"], what="kubeadm version")
    if text.strip() != tool.version:
        raise ToolError(f"kubeadm reports {text.strip()!r}, expected {tool.version}")


def write_etcd_wrapper(srcdir: Path, version: str, gomods: dict[str, str]) -> None:
    """A module requiring the etcd main modules, with their release replace lines turned into versions."""
    replaced = set()
    for text in gomods.values():
        for mod, target in re.findall(r"^\s*(?:replace\s+)?(go\.etcd\.io/\S+)\s*=>\s*(\.\./\S+)\s*$", text, re.M):
            replaced.add(mod)
    replaced |= set(gomods)
    go_line = max((_parse_go_line(t) for t in gomods.values()), key=_version_tuple)
    lines = [
        "// Generated by scripts/tools.py: builds etcd binaries from the Go module proxy.",
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
    srcdir.mkdir(parents=True, exist_ok=True)
    (srcdir / "go.mod").write_text("\n".join(lines))
    (srcdir / "go.sum").write_text("")


def _build_etcd(tool: Tool, out: Path) -> None:
    gomods = {}
    for mod in ETCD_MODULES.values():
        gomods[mod] = Path(go_mod_download(mod, tool.version)["GoMod"]).read_text()
    srcdir = src_dir() / tool.key
    write_etcd_wrapper(srcdir, tool.version, gomods)
    env = go_env()
    pkgs = list(ETCD_MODULES.values())
    run(["go", "get"] + [f"{p}@{tool.version}" for p in pkgs], cwd=srcdir, env=env, what="resolving dependencies")
    for binary, mod in ETCD_MODULES.items():
        _say(f"    compiling {binary}")
        run(
            ["go", "build", "-trimpath", "-ldflags", _ldflags(), "-o", str(out / binary), mod],
            cwd=srcdir,
            env=env,
            what=f"building {binary}",
        )


def _build_etcdcheck(tool: Tool, out: Path) -> None:
    """Build scripts/go/etcdcheck in a wrapper module like etcd's (the server module's replaces as versions)."""
    server = ETCD_MODULES["etcd"]
    gomods = {server: Path(go_mod_download(server, tool.version)["GoMod"]).read_text()}
    srcdir = src_dir() / tool.key
    if srcdir.exists():
        shutil.rmtree(srcdir)
    write_etcd_wrapper(srcdir, tool.version, gomods)
    shutil.copy(SCRIPTS / "go" / "etcdcheck" / "main.go", srcdir / "main.go")
    env = go_env()
    run(["go", "mod", "tidy"], cwd=srcdir, env=env, what="resolving dependencies")
    run(
        ["go", "build", "-trimpath", "-ldflags", _ldflags(), "-o", str(out / "etcdcheck"), "."],
        cwd=srcdir,
        env=env,
        what="building etcdcheck",
    )


def _verify_etcd(tool: Tool, out: Path) -> None:
    want = tool.version.lstrip("v")
    text = run([str(out / "etcd"), "--version"], what="etcd --version")
    if f"etcd Version: {want}" not in text:
        raise ToolError(f"etcd reports {text.strip()!r}, expected {want}")
    text = run([str(out / "etcdctl"), "version"], what="etcdctl version")
    if want not in text:
        raise ToolError(f"etcdctl reports {text.strip()!r}, expected {want}")


def _copy_module(module: str, version: str, dest: Path) -> None:
    """A writable copy of a module's source from the module cache."""
    info = go_mod_download(module, version)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(info["Dir"], dest, ignore=shutil.ignore_patterns("*_test.go", "testdata", ".git*"))
    for dirpath, dirnames, filenames in os.walk(dest):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)


def _build_patched(tool: Tool, out: Path, module: str, patch_dir: Path, ldflags: str = "") -> None:
    """Build a module's main package from a copy of its source with the files of patch_dir added."""
    srcdir = src_dir() / tool.key
    _copy_module(module, tool.version, srcdir)
    for f in sorted(patch_dir.rglob("*.go")):
        rel = f.relative_to(patch_dir)
        (srcdir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, srcdir / rel)
        _say(f"    patch: {rel}")
    run(
        ["go", "build", "-trimpath", "-ldflags", _ldflags(ldflags), "-o", str(out / tool.binaries[0]), "."],
        cwd=srcdir,
        env=go_env(),
        what=f"building {tool.name}",
    )


def _build_kindcheck(tool: Tool, out: Path) -> None:
    """Build scripts/go/kindcheck inside a copy of sigs.k8s.io/kind, so it can use kind's internal config loader."""
    src = SCRIPTS / "go" / "kindcheck" / "main.go"
    srcdir = src_dir() / tool.key
    _copy_module("sigs.k8s.io/kind", tool.version, srcdir)
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


def _build_configcheck(tool: Tool, out: Path, staging: str) -> None:
    """Build scripts/go/configcheck in a generated module on the pinned staging modules."""
    srcdir = src_dir() / tool.key
    if srcdir.exists():
        shutil.rmtree(srcdir)
    srcdir.mkdir(parents=True)
    shutil.copy(SCRIPTS / "go" / "configcheck" / "main.go", srcdir / "main.go")
    lines = [
        "// Generated by scripts/tools.py from scripts/go/configcheck.",
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
            raise ToolError(f"configcheck: {mod} resolved to {version}, expected {staging}")
    run(
        ["go", "build", "-trimpath", "-ldflags", _ldflags(), "-o", str(out / "configcheck"), "."],
        cwd=srcdir,
        env=env,
        what="building configcheck",
    )


def _build_schemas(tool: Tool, out: Path) -> None:
    sys.path.insert(0, str(SCRIPTS))
    from validation import schemas  # noqa: PLC0415 - only needed here

    info = go_mod_download("k8s.io/kubernetes", tool.version)
    spec = Path(info["Dir"]) / "api" / "openapi-spec" / "swagger.json"
    count = schemas.generate(spec, out)
    _say(f"    {count} schemas")


def _copy_chainsaw_schemas(tool: Tool, out: Path, module: str) -> None:
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
        raise ToolError(f"no JSON schemas in {module}@{tool.version} pkg/data/schemas/json")
    _say(f"    {count} schemas")


def _dpkg_version(package: str) -> str:
    with contextlib.suppress(OSError):
        proc = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Status} ${Version}", package], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        m = re.match(r"install ok installed (\S+)", proc.stdout)
        if m:
            return m.group(1)
    return ""


def _find_system_binary(name: str) -> str | None:
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"
    bindir = str(bin_dir())
    path = os.pathsep.join(p for p in path.split(os.pathsep) if p and os.path.abspath(p) != bindir)
    return shutil.which(name, path=path)


def _apt_install(tool: Tool, out: Path) -> None:
    missing = [b for b in tool.binaries if not _find_system_binary(b)]
    if missing:
        if not shutil.which("apt-get"):
            raise ToolError(
                f"{', '.join(missing)} is missing and apt-get is not available: install the package "
                f"'{tool.package}' with your system's package manager and run `make tools` again"
            )
        cmd = ["apt-get", "install", "-y", "--no-install-recommends", tool.package]
        if os.geteuid() != 0:
            if not shutil.which("sudo"):
                raise ToolError(f"{tool.package} is missing: run `apt-get install {tool.package}` as root")
            cmd = ["sudo", "-n"] + cmd
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        try:
            run(cmd, env=env, what=f"apt-get install {tool.package}")
        except ToolError:
            _say("    package not installable yet; running apt-get update first")
            run(cmd[: cmd.index("apt-get") + 1] + ["update"], env=env, what="apt-get update")
            run(cmd, env=env, what=f"apt-get install {tool.package}")
    version = _dpkg_version(tool.package)
    if tool.min_version and version and _version_tuple(version)[:3] < _version_tuple(tool.min_version):
        raise ToolError(f"{tool.package} {version} is older than the {tool.min_version} the project needs")
    out.mkdir(parents=True, exist_ok=True)
    for b in tool.binaries:
        found = _find_system_binary(b)
        if not found:
            raise ToolError(f"package {tool.package} is installed but {b} was not found on PATH")
        link = out / b
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to(found)


# --------------------------------------------------------------------------- state


STAMP = ".installed.json"


def status(tool: Tool) -> str:
    """'ok', 'outdated' (installed with another recipe) or 'missing'."""
    stamp = tool.dir / STAMP
    try:
        data = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return "missing"
    if data.get("recipe") != tool.recipe_hash:
        return "outdated"
    for b in tool.binaries:
        if not os.path.exists(tool.dir / b):  # follows the Debian symlinks
            return "missing"
    return "ok"


def links_ok(tool: Tool) -> bool:
    for b in tool.binaries:
        link = bin_dir() / b
        if not link.is_symlink() or os.readlink(link) != os.path.relpath(tool.dir / b, bin_dir()):
            return False
    return True


def link(tool: Tool) -> None:
    bin_dir().mkdir(parents=True, exist_ok=True)
    for b in tool.binaries:
        target = os.path.relpath(tool.dir / b, bin_dir())
        tmp = bin_dir() / f".{b}.tmp{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(target)
        os.replace(tmp, bin_dir() / b)


@contextlib.contextmanager
def _lock():
    cache_dir().mkdir(parents=True, exist_ok=True)
    with open(cache_dir() / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say("==> waiting for another tools installation to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _install_one(tool: Tool) -> float:
    start = time.monotonic()
    if tool.kind == "go":
        require_go()
    verb = {"go": "building", "debian": "installing", "data": "generating"}[tool.kind]
    note = f" (first time only, {tool.estimate})" if tool.estimate else ""
    if tool.kind == "debian":
        _say(f"==> {verb} {tool.package} (Debian package: {', '.join(tool.binaries)})")
    else:
        what = ", ".join(tool.binaries) if tool.binaries else tool.name
        _say(f"==> {verb} {what} {tool.version}{note}")
    tools_dir().mkdir(parents=True, exist_ok=True)
    tmp = tools_dir() / f".tmp-{tool.key}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        tool.install(tool, tmp)
        for b in tool.binaries:
            if not os.path.exists(tmp / b):
                raise ToolError(f"{tool.name}: the build did not produce {b}")
        if tool.verify:
            tool.verify(tool, tmp)
        (tmp / STAMP).write_text(
            json.dumps({"tool": tool.name, "version": tool.version, "recipe": tool.recipe_hash, "binaries": list(tool.binaries)})
        )
        if tool.dir.exists():
            shutil.rmtree(tool.dir)
        os.rename(tmp, tool.dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    link(tool)
    elapsed = time.monotonic() - start
    _say(f"    done in {_fmt(elapsed)}")
    return elapsed


def select(tools: list[Tool], names: list[str]) -> list[Tool]:
    if not names:
        return tools
    chosen = []
    for name in names:
        match = [t for t in tools if t.name == name or name in t.binaries]
        if not match:
            valid = sorted({t.name for t in tools} | {b for t in tools for b in t.binaries})
            raise ToolError(f"unknown tool {name!r}; known: {', '.join(valid)}")
        for t in match:
            if t not in chosen:
                chosen.append(t)
    return chosen


def ensure(names: list[str] | None = None, quiet: bool = False) -> list[Tool]:
    """Install what is missing among `names` (all by default). Fast when everything is there."""
    tools = select(registry(), names or [])
    todo = [t for t in tools if status(t) != "ok"]
    for t in tools:
        if t not in todo and not links_ok(t):
            link(t)
    if todo:
        with _lock():
            timings = {}
            for t in todo:
                if status(t) == "ok":  # another process installed it meanwhile
                    link(t)
                    continue
                timings[t.name] = _install_one(t)
            if len(timings) > 1:
                _say("==> installed " + ", ".join(f"{k} {_fmt(v)}" for k, v in timings.items()))
    elif not quiet:
        _say(f"==> all {len(tools)} tools are installed ({bin_dir()})")
    return tools


# --------------------------------------------------------------------------- CLI


def cmd_install(args) -> int:
    ensure(args.names)
    return 0


def cmd_path(args) -> int:
    print(bin_dir())
    return 0


def cmd_list(args) -> int:
    tools = registry()
    width = max(len(t.name) for t in tools)
    missing = 0
    for t in tools:
        st = status(t)
        missing += st != "ok"
        bins = ", ".join(t.binaries) or "(data)"
        print(f"{t.name:<{width}}  {t.version:<10}  {st:<8}  {bins}")
    print(f"\ncache: {cache_dir()}\n  add to PATH: {bin_dir()}")
    if missing:
        print(f"{missing} missing or outdated: run `make tools`")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("install", help="install the pinned tools (all, or the named ones)")
    p.add_argument("names", nargs="*", metavar="NAME", help="tool or binary name, e.g. kubeconform, kubectl")
    p.set_defaults(func=cmd_install)
    sub.add_parser("path", help="print the directory to put on PATH").set_defaults(func=cmd_path)
    sub.add_parser("list", help="show installed and missing tools").set_defaults(func=cmd_list)
    args = parser.parse_args(argv)
    return run_command(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
