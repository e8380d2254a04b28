"""What the learner has done: tasks started and graded, kept in build/practice/state.json."""

from __future__ import annotations

import json
import threading

from .tasks import STATE_FILE

_STATE_LOCK = threading.Lock()


def load_state() -> dict:
    try:
        return json.loads(STATE_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_state(task_id: str, value: dict | None) -> None:
    with _STATE_LOCK:
        state = load_state()
        if value is None:
            state.pop(task_id, None)
        else:
            state[task_id] = value
        STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
        STATE_FILE.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")


