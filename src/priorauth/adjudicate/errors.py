"""The exceptions of priorauth.

Every package raises subclasses of :class:`PriorauthError`, so the shell turns all of them
into one-line messages in one place. Clinical gaps are never exceptions: a criterion that
is not documented evaluates to ``unknown``.
"""

from __future__ import annotations


class PriorauthError(Exception):
    """Root of every error priorauth raises on purpose."""


class InputError(PriorauthError):
    """A request or facts document that does not validate.

    ``source`` names the file (or stream) and ``field`` the dotted path of the offending
    value, so the message says exactly where to look.
    """

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(f"{where}{problem}")


class PolicyError(PriorauthError):
    """A policy file that does not load: names the file, the line and the criterion."""

    def __init__(self, source: str, line: int | None, item: str | None, problem: str) -> None:
        self.source = source
        self.line = line
        self.item = item
        self.problem = problem
        where = source if line is None else f"{source}:{line}"
        about = f" [{item}]" if item else ""
        super().__init__(f"{where}{about}: {problem}")
