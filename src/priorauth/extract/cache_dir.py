"""Where priorauth caches OCR and model answers: page text, so protected health information.

``PRIORAUTH_CACHE_DIR`` sets the folder (``off`` disables caching); the default is
``$XDG_CACHE_HOME/priorauth`` or ``~/.cache/priorauth``. Files are created owner-only.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root(kind: str) -> Path | None:
    """The folder for ``kind`` (``ocr``, ``llm``), or None when caching is off."""
    configured = os.environ.get("PRIORAUTH_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured) / kind
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "priorauth" / kind


def private_folder(root: Path, name: str) -> Path:
    """``root/name``, with ``root`` and it created readable by the owner only."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o700)
    folder = root / name
    folder.mkdir(exist_ok=True, mode=0o700)
    return folder
