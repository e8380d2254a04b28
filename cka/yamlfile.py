"""Reading the project's YAML data files, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import ProjectError
from .paths import rel

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path, *, mapping: bool = True):
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=LOADER)
    except OSError as err:
        raise ProjectError(f"cannot read {rel(path)}: {err.strerror}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{rel(path)}:{mark.line + 1}" if mark else rel(path)
        raise ProjectError(f"{where}: not valid YAML: {getattr(err, 'problem', err)}") from None
    if mapping and not isinstance(data, dict):
        raise ProjectError(f"{rel(path)}: must be a mapping of keys to values")
    return data
