"""Benchmarks: `python -m cka.bench <build|serve|site|search|validate> [options]` (`make bench-*`).

  build      the strict build with and without the hooks, the ratio, time per page-language, each hook's share
  serve      the time from a one-page edit to the rebuilt page under `make serve`
  site       page weight, requests and Lighthouse scores of the built site
  search     search recall, index size and build time with and without the Korean search hook
  validate   make validate on a synthetic tree of 5,000 manifests, cold and warm
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {"build": "build", "serve": "build", "site": "site", "search": "search", "validate": "validate"}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    name = sys.argv.pop(1)
    module = importlib.import_module(f"cka.bench.{COMMANDS[name]}")
    sys.argv[0] = f"python -m cka.bench {name}"
    return module.serve_main() if name == "serve" else module.main()


if __name__ == "__main__":
    sys.exit(main())
