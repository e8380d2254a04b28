"""kubeadm config validate: kubeadm.k8s.io configuration files (and the component
configurations in the same file, which kubeadm validates with them)."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

from .base import Check, in_manifests_yaml, one_line, run_process
from .core import Problem, SourceFile, find_line


def _kubeadm_one(kubeadm: str, sf: SourceFile) -> list[Problem]:
    proc = run_process([kubeadm, "config", "validate", "--config", str(sf.path)], env=_offline_env())
    if proc.returncode == 0:
        return []
    text = (proc.stderr or proc.stdout).strip()
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith(("W", "I")) or ln.startswith("error")]
    msg = one_line(" ".join(lines) or text)
    msg = re.sub(r"^error:?\s*", "", msg)
    msg = re.sub(r"\s*To see the stack trace of this error execute with --v=5 or higher\s*$", "", msg)
    msg = re.sub(
        r'error unmarshaling configuration schema\.GroupVersionKind\{Group:"([^"]*)", Version:"([^"]*)", Kind:"([^"]*)"\}:\s*',
        r"\3 (\1/\2): ",
        msg,
    )
    msg = msg.replace("strict decoding error: ", "")
    line = 1
    m = re.search(r'unknown field "([^"]+)"', msg)
    if m:
        line = find_line(sf.text, m.group(1).split(".")[-1]) or 1
    else:
        m = re.search(r"line (\d+)", msg)
        if m:
            line = int(m.group(1))
        else:
            m = re.search(r"([A-Za-z][\w]*(?:\.[\w\[\]]+)+): ", msg)
            if m:
                line = find_line(sf.text, re.sub(r"\[\d+\]", "", m.group(1)).split(".")[-1]) or 1
    return [Problem(sf.rel, line, "kubeadm", msg)]


def _offline_env() -> dict:
    env = dict(os.environ)
    # kubeadm looks up "stable" versions on the network when kubernetesVersion is unset; there is no proxy here.
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(k, None)
    return env


def kubeadm(files: list[SourceFile], kubeadm_bin: str, jobs: int) -> list[Problem]:
    with ThreadPoolExecutor(max(jobs, 1)) as ex:
        return [p for ps in ex.map(lambda sf: _kubeadm_one(kubeadm_bin, sf), files) for p in ps]



CHECK = Check(
    name="kubeadm", tool="kubernetes", binary="kubeadm", yaml_semantics=True, label="kubeadm config",
    wants=lambda sf, ctx: in_manifests_yaml(sf) and "kubeadm" in ctx.owner(sf).values(),
    run=lambda files, ctx: kubeadm(files, ctx.bin("kubeadm"), ctx.jobs),
)
