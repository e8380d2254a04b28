"""CNI network configurations (manifests/**/*.conflist, *.conf, *.json): the fields every
CNI runtime needs, checked against the CNI specification's rules."""

from __future__ import annotations

import json
import re

from .. import content
from .base import Check
from .core import Problem, SourceFile, find_line

CNI_VERSIONS = ("0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0")
CNI_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$")


def cni(files: list[SourceFile]) -> list[Problem]:
    problems = []
    for sf in files:
        def add(msg, key="", hint=""):
            problems.append(Problem(sf.rel, (find_line(sf.text, key) if key else None) or 1, "cni", msg, hint))

        try:
            data = json.loads(sf.text)
        except ValueError as exc:
            problems.append(Problem(sf.rel, getattr(exc, "lineno", 1), "cni", f"not valid JSON: {exc.msg}"))
            continue
        if not isinstance(data, dict):
            add("a CNI configuration is a JSON object")
            continue
        version = data.get("cniVersion")
        if not isinstance(version, str):
            add('missing "cniVersion"', hint=f"one of {', '.join(CNI_VERSIONS)}")
        elif version not in CNI_VERSIONS:
            add(f'unknown cniVersion "{version}"', '"cniVersion"', f"one of {', '.join(CNI_VERSIONS)}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            add('missing "name" (a string)')
        elif not CNI_NAME.match(name):
            add(f'invalid network name "{name}"', '"name"', "letters, digits, '_', '.' and '-'")
        if "plugins" in data or sf.path.suffix == ".conflist":
            plugins = data.get("plugins")
            if not isinstance(plugins, list) or not plugins:
                add('a .conflist needs a non-empty "plugins" list', '"plugins"')
                continue
            for i, plugin in enumerate(plugins):
                if not isinstance(plugin, dict) or not isinstance(plugin.get("type"), str) or not plugin.get("type"):
                    add(f'plugins[{i}] has no "type" (the plugin binary to run)', '"plugins"')
        elif not isinstance(data.get("type"), str) or not data.get("type"):
            add('missing "type" (the plugin binary to run)', hint='or a "plugins" list for a .conflist')
    return problems



CHECK = Check(name="cni", label="CNI", wants=lambda sf, ctx: sf.kind == content.CNI, run=lambda files, ctx: cni(files))
