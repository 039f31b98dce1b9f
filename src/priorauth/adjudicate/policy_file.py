"""Loading and linting policy files, with the line and criterion id of every problem."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from priorauth.adjudicate.errors import PolicyError
from priorauth.adjudicate.facts import FACT_TYPES
from priorauth.adjudicate.policy import CriteriaSet, Item, Policy, TestRef
from priorauth.adjudicate.predicates import REGISTRY

Path = tuple[str | int, ...]

_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Issue:
    """One lint finding: where it is and what is wrong."""

    source: str
    line: int | None
    item: str | None
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        about = f" [{self.item}]" if self.item else ""
        return f"{where}{about}: {self.message}"


class _Reader:
    """YAML to plain data, remembering the line of every key and list element."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: dict[Path, int] = {}
        self.issues: list[Issue] = []
        self._constructor = yaml.SafeLoader("")

    def read(self, node: yaml.Node, path: Path) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self._constructor.construct_object(key_node, deep=True))
                if key in result:
                    self.issues.append(
                        Issue(
                            self.source,
                            key_node.start_mark.line + 1,
                            None,
                            f"duplicate key {key!r}",
                        )
                    )
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self.read(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.read(child, (*path, index)) for index, child in enumerate(node.value)]
        return self._constructor.construct_object(node, deep=True)

    def line(self, path: Path) -> int | None:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def _item_id(data: Any, path: Path) -> str | None:
    """The full id of the innermost criterion along ``path`` (``I.A.8.a``)."""
    parts: list[str] = []
    node = data
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str) and "text" in node:
            parts.append(node["id"])
    return ".".join(parts) if parts else None


def _parse(text: str, source: str) -> tuple[Any, _Reader]:
    reader = _Reader(source)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        reader.issues.append(Issue(source, line, None, f"not valid YAML: {problem}"))
        return None, reader
    if node is None:
        reader.issues.append(Issue(source, None, None, "empty policy file"))
        return None, reader
    return reader.read(node, ()), reader


def _schema_issues(data: Any, reader: _Reader) -> tuple[Policy | None, list[Issue]]:
    try:
        return Policy.model_validate(data), []
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            path: Path = tuple(error["loc"])
            if error["type"] == "extra_forbidden":
                message = f"unknown key {path[-1]!r}"
            elif error["type"] == "missing":
                message = f"missing key {path[-1]!r}"
            else:
                message = f"{'.'.join(str(p) for p in path)}: {error['msg']}"
            issues.append(Issue(reader.source, reader.line(path), _item_id(data, path), message))
        return None, issues


def _walk(items: tuple[Item, ...], parent: str, path: Path) -> Iterator[tuple[str, Item, Path]]:
    for index, item in enumerate(items):
        item_id = f"{parent}.{item.id}" if parent else item.id
        here = (*path, index)
        yield item_id, item, here
        key = "all" if item.all else "any"
        yield from _walk(item.children, item_id, (*here, key))


def _sequence_issues(ids: list[str], expected: list[str], where: str) -> str | None:
    if ids == expected[: len(ids)]:
        return None
    return f"{where} are {', '.join(ids)}; expected {', '.join(expected[: len(ids)])}"


class _Checker:
    """The checks a schema cannot make: ids, predicates, parameters, declared names."""

    def __init__(self, policy: Policy, reader: _Reader) -> None:
        self.policy = policy
        self.reader = reader
        self.issues: list[Issue] = []
        self.declared = set(policy.facts)
        self.read: set[str] = set()
        self.names = {
            "condition": set(policy.conditions),
            "conditions": set(policy.conditions),
            "classes": set(policy.appendix_b.classes),
            "options": set(policy.appendix_b.classes),
            "drug_class": set(policy.appendix_b.classes),
            "specialties": set(policy.specialties),
            "products": {p.name for p in policy.products},
        }

    def issue(self, path: Path, item: str | None, message: str) -> None:
        self.issues.append(Issue(self.reader.source, self.reader.line(path), item, message))

    def run(self) -> list[Issue]:
        policy = self.policy
        for index, name in enumerate(policy.facts):
            if name not in FACT_TYPES:
                self.issue(
                    ("facts", index), None, f"unknown fact {name!r}; valid: {', '.join(FACT_TYPES)}"
                )
        for index, agent in enumerate(policy.appendix_b.agents):
            for drug_class in agent.classes:
                if drug_class not in self.names["classes"]:
                    self.issue(
                        ("appendix_b", "agents", index),
                        None,
                        f"undeclared drug class {drug_class!r}",
                    )
        seen_sets: set[str] = set()
        for set_index, criteria_set in enumerate(policy.sets):
            if criteria_set.id in seen_sets:
                self.issue(
                    ("sets", set_index, "id"),
                    criteria_set.id,
                    f"duplicate criteria set {criteria_set.id}",
                )
            seen_sets.add(criteria_set.id)
            self.criteria_set(criteria_set, ("sets", set_index))
        for fact in sorted(self.declared - self.read):
            self.issue(("facts",), None, f"fact {fact!r} is declared but no criterion reads it")
        return self.issues

    def criteria_set(self, criteria_set: CriteriaSet, path: Path) -> None:
        for condition in criteria_set.covers:
            if condition not in self.policy.conditions:
                self.issue(
                    (*path, "covers"), criteria_set.id, f"undeclared condition {condition!r}"
                )
        top = [item.id for item in criteria_set.criteria]
        expected = [f"{criteria_set.id}.{n}" for n in range(1, len(top) + 1)]
        for position, (got, want) in enumerate(zip(top, expected, strict=True)):
            if got != want:
                self.issue(
                    (*path, "criteria", position, "id"),
                    got,
                    f"item id {got} out of sequence; expected {want} (duplicate or missing id)",
                )
                break
        seen: set[str] = set()
        for item_id, item, item_path in _walk(criteria_set.criteria, "", (*path, "criteria")):
            if item_id in seen:
                self.issue((*item_path, "id"), item_id, f"duplicate item id {item_id}")
            seen.add(item_id)
            self.item(item, item_id, item_path)
        if criteria_set.approval is not None:
            for branch in criteria_set.approval.by_branch:
                if branch not in seen:
                    self.issue(
                        (*path, "approval"),
                        criteria_set.id,
                        f"approval names unknown item {branch}",
                    )

    def item(self, item: Item, item_id: str, path: Path) -> None:
        if item.test is not None:
            self.test(item, path, item_id)
        for when_index, ref in enumerate(item.when):
            self.test(ref, (*path, "when", when_index), item_id)
        if item.unless is not None:
            self.test(item.unless, (*path, "unless"), item_id)
        kids = [child.id for child in item.children]
        if kids and all(k in _ROMAN for k in kids):
            problem = _sequence_issues(kids, _ROMAN, "sub-items")
        elif kids and all(len(k) == 1 and k in _LETTERS for k in kids):
            problem = _sequence_issues(kids, list(_LETTERS), "sub-items")
        else:
            problem = "sub-item ids repeat" if len(set(kids)) != len(kids) else None
        if problem:
            self.issue(path, item_id, problem)

    def test(self, ref: TestRef | Item, path: Path, item_id: str) -> None:
        assert ref.test is not None
        predicate = REGISTRY.get(ref.test)
        if predicate is None:
            self.issue(
                path, item_id, f"unknown test {ref.test!r}; valid: {', '.join(sorted(REGISTRY))}"
            )
            return
        try:
            params = predicate.params.model_validate(ref.with_)
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"])
                message = (
                    "unknown parameter" if error["type"] == "extra_forbidden" else error["msg"]
                )
                self.issue((*path, "with"), item_id, f"{ref.test}: {field}: {message}")
            return
        for fact in sorted(predicate.reads - self.declared):
            self.issue(
                path, item_id, f"{ref.test} reads fact {fact!r}, which the policy does not declare"
            )
        self.read.update(predicate.reads)
        for field, valid in self.names.items():
            value = getattr(params, field, None)
            values = [value] if isinstance(value, str) else list(value or ())
            for name in values:
                if name not in valid:
                    self.issue(
                        (*path, "with"), item_id, f"{ref.test}: undeclared {field} value {name!r}"
                    )


def lint_policy(text: str, source: str) -> list[Issue]:
    """Every problem in a policy file, in file order."""
    data, reader = _parse(text, source)
    if data is None:
        return reader.issues
    policy, issues = _schema_issues(data, reader)
    issues = reader.issues + issues
    if policy is not None:
        issues += _Checker(policy, reader).run()
    return sorted(issues, key=lambda i: (i.line or 0, i.message))


def load_policy(text: str, source: str) -> Policy:
    """Load a policy; raise :class:`PolicyError` naming the first problem."""
    issues = lint_policy(text, source)
    if issues:
        first = issues[0]
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        raise PolicyError(first.source, first.line, first.item, first.message + more)
    data, _ = _parse(text, source)
    return Policy.model_validate(data)


def bundled_policy_text(
    policy_id: str = "CP.PHAR.98", version: int | None = None
) -> tuple[str, str]:
    """The text and display name of a policy file shipped with priorauth (newest by default)."""
    folder = resources.files("priorauth.adjudicate") / "policies" / policy_id
    if not folder.is_dir():
        raise PolicyError(policy_id, None, None, "no such bundled policy")
    versions = sorted(
        int(entry.name[1:-5])
        for entry in folder.iterdir()
        if entry.name.startswith("v") and entry.name.endswith(".yaml")
    )
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        raise PolicyError(policy_id, None, None, f"no version {chosen}; versions: {versions}")
    entry = folder / f"v{chosen}.yaml"
    return entry.read_text(encoding="utf-8"), f"policies/{policy_id}/v{chosen}.yaml"


def bundled_policy(policy_id: str = "CP.PHAR.98", version: int | None = None) -> Policy:
    text, name = bundled_policy_text(policy_id, version)
    return load_policy(text, name)
