"""Turn Kubernetes' OpenAPI v2 document into kubeconform's standalone strict JSON schemas.

The source is `api/openapi-spec/swagger.json` from the k8s.io/kubernetes module at
the pinned tag (in the Go module cache): the API server's own description of every
built-in kind at exactly that version, so an API removed in that version has no
schema and fails validation.

One file per group/version/kind, named so kubeconform finds it with LOCATION:
`pod-v1.json`, `deployment-apps-v1.json`, `ingress-networking.k8s.io-v1.json` (the
full group, so two groups that share a first label never collide). Each file is
self-contained: the root definition at the top and every definition it reaches
under `definitions`, referenced as `#/definitions/...` (which also keeps
recursive types such as JSONSchemaProps finite). Nothing refers to a URL, so
kubeconform never goes to the network.

Strictness, as in the well-known kubernetes-json-schema "standalone-strict" set:
objects with declared properties get `additionalProperties: false` (an unknown or
misspelled field is an error) unless they preserve unknown fields; optional fields
of scalar or array type and scalar definitions such as Time accept null (the API
server treats null as unset, and `kubectl create -o yaml` writes
`creationTimestamp: null`); IntOrString accepts a string or an integer and
Quantity a string or a number. Fields that refer to an object definition stay
plain references, so errors point at the offending field rather than at an anyOf. Descriptions are dropped to keep files small.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# kubeconform -schema-location template (text/template); see registry.schemaPath in kubeconform.
FILE_TEMPLATE = (
    "{{ .ResourceKind }}{{ if ne .Group .ResourceAPIVersion }}-{{ .Group }}{{ end }}-{{ .ResourceAPIVersion }}.json"
)
INDEX = "index.json"

INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
REF_PREFIX = "#/definitions/"


def location(schema_dir: Path | str) -> str:
    return os.path.join(str(schema_dir), FILE_TEMPLATE)


def file_name(group: str, version: str, kind: str) -> str:
    """The file kubeconform looks up for apiVersion (group/version) and kind; mirrors FILE_TEMPLATE."""
    if group:
        return f"{kind.lower()}-{group}-{version}.json"
    return f"{kind.lower()}-{version}.json"


def _convert(node):
    """Convert one OpenAPI v2 schema node to a strict JSON schema node (recursively)."""
    if isinstance(node, list):
        return [_convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "description" or key.startswith("x-kubernetes-") and key != "x-kubernetes-preserve-unknown-fields":
            continue
        if key == "properties":
            req = frozenset(node.get("required") or ())
            out[key] = {name: _nullable(_convert(prop), name in req) for name, prop in value.items()}
        elif key in ("items", "additionalProperties", "allOf", "anyOf", "oneOf", "not"):
            out[key] = _convert(value)
        else:
            out[key] = value
    if "properties" in out and "additionalProperties" not in out and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    out.pop("x-kubernetes-preserve-unknown-fields", None)
    return out


def _nullable(schema: dict, required: bool) -> dict:
    if required:
        return schema
    t = schema.get("type")
    if isinstance(t, str):
        return {**schema, "type": [t, "null"]}
    return schema


def _special(name: str, definition: dict) -> dict:
    if name == INT_OR_STRING:
        return {"type": ["string", "integer", "null"]}
    if name == QUANTITY:
        return {"type": ["string", "number", "null"]}
    out = _convert(definition)
    if isinstance(out.get("type"), str) and out["type"] != "object":
        # Scalar definitions (Time, MicroTime): null means unset, as for optional fields.
        out["type"] = [out["type"], "null"]
    return out


def _refs(node, found: set) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            found.add(ref[len(REF_PREFIX):])
        for v in node.values():
            _refs(v, found)
    elif isinstance(node, list):
        for v in node:
            _refs(v, found)


def generate(swagger_path: Path, out_dir: Path) -> int:
    """Write one schema per group/version/kind into out_dir; return how many."""
    with open(swagger_path, encoding="utf-8") as fh:
        definitions = json.load(fh)["definitions"]
    converted = {name: _special(name, d) for name, d in definitions.items()}
    deps: dict[str, set] = {}
    for name, d in converted.items():
        found: set = set()
        _refs(d, found)
        deps[name] = found

    def closure(root: str) -> list[str]:
        seen, stack = set(), [root]
        while stack:
            cur = stack.pop()
            for dep in deps.get(cur, ()):
                if dep not in seen and dep != root:
                    seen.add(dep)
                    stack.append(dep)
        return sorted(seen)

    out_dir.mkdir(parents=True, exist_ok=True)
    index = []
    written = {}
    for name, d in definitions.items():
        for gvk in d.get("x-kubernetes-group-version-kind") or ():
            group, version, kind = gvk.get("group", ""), gvk["version"], gvk["kind"]
            fname = file_name(group, version, kind)
            if fname in written:
                # The same GVK listed on two definitions would be ambiguous; keep the first.
                continue
            schema = dict(converted[name])
            reached = closure(name)
            if name in _all_refs_from(reached, deps):
                reached = sorted(set(reached) | {name})
            if reached:
                schema["definitions"] = {r: converted[r] for r in reached if r in converted}
            api_version = f"{group}/{version}" if group else version
            written[fname] = name
            index.append({"apiVersion": api_version, "kind": kind, "file": fname})
            (out_dir / fname).write_text(json.dumps(schema, separators=(",", ":"), sort_keys=True))
    index.sort(key=lambda e: (e["kind"], e["apiVersion"]))
    (out_dir / INDEX).write_text(json.dumps(index, indent=1))
    return len(index)


def _all_refs_from(names, deps) -> set:
    out = set()
    for n in names:
        out |= deps.get(n, set())
    return out


def load_index(schema_dir: Path) -> list[dict]:
    try:
        return json.loads((Path(schema_dir) / INDEX).read_text())
    except (OSError, ValueError):
        return []
