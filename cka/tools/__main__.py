"""Install the project's pinned external tools into a per-user cache.

    python -m cka.tools install [NAME...]   build or install what is missing (all but the optional by default)
    python -m cka.tools path                print the directory to put on PATH
    python -m cka.tools list                show what is installed, outdated or missing

Every version comes from versions.yaml. Go tools are built from the Go module proxy;
Debian packages are installed with apt-get. The cache is
`${CKA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cka-guide}`, outside the repository,
so a fresh clone (CI) reuses it.
"""

from __future__ import annotations

import argparse
import sys

from ..cache import bin_dir, cache_dir
from ..errors import run_command
from .install import ensure, status
from .registry import registry


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
        if t.optional and st != "ok":
            st = "optional"
        missing += st not in ("ok", "optional")
        bins = ", ".join(t.binaries) or "(data)"
        print(f"{t.name:<{width}}  {t.version:<10}  {st:<8}  {bins}")
    print(f"\ncache: {cache_dir()}\n  add to PATH: {bin_dir()}")
    if missing:
        print(f"{missing} missing or outdated: run `make tools`")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cka.tools", description=__doc__.split("\n\n")[0])
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
