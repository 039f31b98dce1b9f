"""The LLM extractor: pages in chunks to a chat model, claims back, each grounded on its page.

One model call per chunk of a document (pages up to a token budget), structured output with
langchain's ``with_structured_output``. Every claim's quote is looked up on the page it names
(``grounding.locate``) and its values are checked against the quote's words
(``claims.supported``); a claim that fails either is kept, marked not grounded, for the
reviewer, and never decides anything. Answers are cached by (document hash, pages, prompt
version, model), so a second run of a packet makes no call. A model that errors, times out or
answers nonsense costs that chunk's claims and a warning, never the packet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from priorauth.adjudicate.facts import FACT_TYPES, Context, Source, SourceKind
from priorauth.extract.assemble import Assembler
from priorauth.extract.cache_dir import cache_root, private_folder
from priorauth.extract.claims import Claim, Claims, supported, vocabulary
from priorauth.extract.grounding import locate
from priorauth.extract.lexicon import Lexicon
from priorauth.extract.llm_model import ChatModel
from priorauth.extract.mentions import Mention
from priorauth.extract.pages import Page
from priorauth.prompts import Prompt, load_prompt

EXTRACTOR_VERSION = "1"
"""Of the code around the model (chunking, grounding, checks); the prompt has its own."""

TOKEN_BUDGET = 6000
"""Page text per call, in tokens (about four characters each)."""


@dataclass(slots=True)
class LlmUsage:
    """What the model cost and gave, for the packet's report."""

    model: str
    prompt_version: str
    calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    claims: int = 0
    grounded: int = 0
    ungrounded: int = 0
    invalid: int = 0
    failures: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model,
            "prompt_version": self.prompt_version,
            "calls": self.calls,
            "cache_hits": self.cache_hits,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "claims": self.claims,
            "grounded": self.grounded,
            "ungrounded": self.ungrounded,
            "invalid": self.invalid,
            "failures": self.failures,
        }
        cost = estimated_cost(self.input_tokens, self.output_tokens)
        if cost is not None:
            out["estimated_cost"] = cost
        return out


def estimated_cost(input_tokens: int, output_tokens: int) -> float | None:
    """From ``PRIORAUTH_LLM_PRICE="<input>,<output>"`` in currency per million tokens."""
    price = os.environ.get("PRIORAUTH_LLM_PRICE")
    if not price:
        return None
    try:
        per_input, per_output = (float(p) for p in price.split(","))
    except ValueError:
        return None
    return round((input_tokens * per_input + output_tokens * per_output) / 1e6, 4)


class LlmCache:
    """Model answers on disk (owner-only: they quote the packet). None disables it."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    @classmethod
    def default(cls) -> LlmCache:
        return cls(cache_root("llm"))

    def _path(self, key: str) -> Path | None:
        return None if self.root is None else self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Claims | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            return Claims.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, UnicodeDecodeError):
            return None

    def put(self, key: str, claims: Claims) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            private_folder(path.parent.parent, path.parent.name)
            temporary = path.with_suffix(".tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(claims.model_dump_json())
            temporary.replace(path)
        except OSError:
            return


def pages_block(pages: list[Page]) -> str:
    """The chart text, delimited as data: each page between markers naming it."""
    return "\n\n".join(
        f'<page document="{page.document}" number="{page.number}">\n'
        f"{page.text.replace('</page>', '< /page>')}\n</page>"
        for page in pages
    )


class LlmReader:
    """Reads chunks of pages with a chat model into an assembler of its own."""

    def __init__(
        self,
        chat: ChatModel,
        lexicon: Lexicon,
        cache: LlmCache,
        prompt: Prompt | None = None,
    ) -> None:
        self.chat = chat
        self.lexicon = lexicon
        self.cache = cache
        self.prompt = prompt or load_prompt("extract_facts")
        self.usage = LlmUsage(model=chat.name, prompt_version=self.prompt.version)
        self.assembler = Assembler(
            Source(
                kind=SourceKind.LLM,
                name="priorauth-llm",
                version=EXTRACTOR_VERSION,
                model=chat.name,
                prompt_version=self.prompt.version,
            ),
            prefix="llm-",
        )
        self._system = self.prompt.system.replace("{vocabulary}", vocabulary())
        # What the answers depend on besides the pages: the prompt's words (not only its
        # version), the claim schema, and the model and where it is served.
        self._fingerprint = hashlib.sha256(
            (
                self.prompt.version
                + self._system
                + self.prompt.user
                + json.dumps(Claims.model_json_schema(), sort_keys=True)
            ).encode()
        ).hexdigest()

    def read(self, digest: str, pages: list[Page]) -> None:
        """One call (or a cache hit) for these pages of one document; claims to facts."""
        numbers = ",".join(str(page.number) for page in pages)
        key = hashlib.sha256(
            f"{digest}|{numbers}|{self._fingerprint}|{self.chat.name}|{self.chat.endpoint}".encode()
        ).hexdigest()
        claims = self.cache.get(key)
        if claims is None:
            claims = self._ask(pages)
            if claims is None:
                return
            self.cache.put(key, claims)
        else:
            self.usage.cache_hits += 1
        # A chunk is one document: its name is the chunk's, whatever the model wrote (and a
        # cached answer serves a renamed copy of the same file).
        by_number = {page.number: page for page in pages}
        for claim in claims.claims:
            try:
                self._take(claim.model_copy(update={"document": pages[0].document}), by_number)
            except (ValidationError, ValueError, TypeError, IndexError):
                self.usage.invalid += 1

    def _ask(self, pages: list[Page]) -> Claims | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        where = f"{pages[0].document} pages {pages[0].number}-{pages[-1].number}"
        user = self.prompt.user.replace("{pages}", pages_block(pages))
        # Tool calling: the structured-output method most servers support (OpenAI, vLLM,
        # llama.cpp, Ollama, Anthropic).
        structured = self.chat.model.with_structured_output(
            Claims, include_raw=True, method="function_calling"
        )
        self.usage.calls += 1
        try:
            answer: Any = structured.invoke([SystemMessage(self._system), HumanMessage(user)])
        except Exception as error:  # any provider failure degrades to the rules alone
            self.usage.failures.append(f"{where}: model call failed ({type(error).__name__})")
            return None
        raw = answer.get("raw")
        metadata = getattr(raw, "usage_metadata", None) or {}
        self.usage.input_tokens += int(metadata.get("input_tokens", 0))
        self.usage.output_tokens += int(metadata.get("output_tokens", 0))
        parsed = answer.get("parsed")
        if not isinstance(parsed, Claims):
            reason = (
                "refused"
                if getattr(raw, "additional_kwargs", {}).get("refusal")
                else ("unparseable answer")
            )
            self.usage.failures.append(f"{where}: {reason}")
            return None
        return parsed

    def _take(self, claim: Claim, by_number: dict[int, Page]) -> None:
        self.usage.claims += 1
        model = FACT_TYPES.get(claim.fact)
        if model is None:
            self.usage.invalid += 1
            return
        try:
            value_model = model.model_fields["value"].annotation
            value = value_model.model_validate(claim.value).model_dump(mode="json")  # type: ignore[union-attr]
            date = dt.date.fromisoformat(claim.date) if claim.date else None
        except (ValidationError, ValueError, AttributeError):
            self.usage.invalid += 1
            return
        context = Context(
            negated=claim.negated, family=claim.family, hypothetical=claim.hypothetical
        )
        page = by_number.get(claim.page)
        found = locate(page.text, claim.quote) if page is not None else None
        mention = Mention(claim.fact, value, 0, 0, context, date, confidence=0.7)
        if page is None or found is None:
            self.usage.ungrounded += 1
            self.assembler.add_ungrounded(
                claim.document, max(claim.page, 1), mention, claim.quote or "-", "not_found"
            )
            return
        if not supported(claim.fact, value, page.text[found.start : found.end], self.lexicon):
            self.usage.ungrounded += 1
            self.assembler.add_ungrounded(
                page.document, page.number, mention, claim.quote, "unsupported"
            )
            return
        self.usage.grounded += 1
        self.assembler.add(
            page,
            [
                Mention(
                    claim.fact,
                    value,
                    found.start,
                    found.end,
                    context,
                    date,
                    confidence=0.7,
                    match=found.quality.value,
                )
            ],
        )


def chunks(pages: list[Page], budget: int = TOKEN_BUDGET) -> list[list[Page]]:
    """A document's pages in runs whose text fits the token budget (a page is never split:
    one longer than the budget goes alone)."""
    runs: list[list[Page]] = []
    size = 0
    for page in pages:
        tokens = len(page.text) // 4 + 1
        if runs and size + tokens <= budget:
            runs[-1].append(page)
            size += tokens
        else:
            runs.append([page])
            size = tokens
    return runs
