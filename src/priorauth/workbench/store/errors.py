"""The storage layer's own errors (beside :class:`~priorauth.adjudicate.errors.InputError`)."""

from __future__ import annotations

from priorauth.adjudicate.errors import PriorauthError


class ConflictError(PriorauthError):
    """A write based on a stale version: someone else changed the row first; nothing was saved.

    The caller reloads and retries (the API answers 409).
    """


class NotFoundError(PriorauthError):
    """A case, fact, user or document that does not exist."""


class CorruptDocumentError(PriorauthError):
    """A stored document whose bytes no longer hash to its name."""


class AppendOnlyError(PriorauthError):
    """An attempt to change or delete an audit event through the ORM."""
