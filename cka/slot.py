"""Which kubeadm cluster a command works on: KUBEADM_SLOT=1 (the default, the usual cluster) or
KUBEADM_SLOT=2, a second cluster beside it.

Each slot has its own state directory, network namespace, subnet, cgroups, machine names and
practice work folder (cka.cluster.nodes.layout, cka.practice.tasks), so two clusters can run at
once: one one minor behind for the upgrade exercise while the other serves the lab, say.
A value outside SLOTS stops the command with one line naming the variable and the fix.
"""

from __future__ import annotations

import os
import sys

VARIABLE = "KUBEADM_SLOT"
SLOTS = (1, 2)


def number() -> int:
    value = os.environ.get(VARIABLE, "").strip() or "1"
    if value not in {str(s) for s in SLOTS}:
        sys.exit(f"error: {VARIABLE}={value}: the kubeadm runtime has slots {' and '.join(map(str, SLOTS))} "
                 f"(1 is the usual cluster; unset {VARIABLE} or set it to 2 for a second one beside it)")
    return int(value)


def suffix() -> str:
    """"" for the usual slot, "-2" for the second: appended to the slot's names and folders."""
    n = number()
    return "" if n == 1 else f"-{n}"
