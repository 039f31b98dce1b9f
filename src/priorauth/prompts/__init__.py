"""Prompt templates for the LLM extractor: one versioned file per task.

A template is ``<task>.v<N>.txt``: the system text, a line ``=== user ===``, and the user
text with ``{placeholders}``. The version is recorded on every fact the prompt produces, and
is part of the cache key, so changing a prompt means a new file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(?P<task>[a-z_]+)\.v(?P<version>\d+)\.txt$")
_SPLIT = "\n=== user ===\n"


@dataclass(frozen=True, slots=True)
class Prompt:
    task: str
    version: str
    """``<task>.v<N>``, as recorded on facts."""
    system: str
    user: str


def load_prompt(task: str) -> Prompt:
    """The newest version of ``task``'s template."""
    files = resources.files("priorauth.prompts")
    versions = []
    for entry in files.iterdir():
        match = _NAME.match(entry.name)
        if match and match.group("task") == task:
            versions.append((int(match.group("version")), entry.name))
    if not versions:
        raise LookupError(f"no prompt template for {task!r}")
    number, name = max(versions)
    system, user = files.joinpath(name).read_text("utf-8").split(_SPLIT, 1)
    return Prompt(task=task, version=f"{task}.v{number}", system=system.strip(), user=user.strip())
