"""A chat model replaced at its boundary: answers scripted per document, for offline tests.

It answers the LLM extractor's structured-output calls with tool calls (as a real model does
under langchain's function calling), chosen by a function of the pages in the request.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

PAGE = re.compile(r'<page document="(?P<document>[^"]+)" number="(?P<number>\d+)">\n')

Answer = dict[str, Any] | str | Exception
"""Claims as a dict, raw (malformed) tool arguments as a string, or an error to raise."""


def pages_of(messages: Sequence[BaseMessage]) -> dict[tuple[str, int], str]:
    """The pages the request carries: (document, number) -> text."""
    text = str(messages[-1].content)
    found = {}
    for match in PAGE.finditer(text):
        end = text.index("\n</page>", match.end())
        found[match.group("document"), int(match.group("number"))] = text[match.end() : end]
    return found


class ScriptedChat(BaseChatModel):
    """``answer(pages) -> Answer`` decides each reply; every call is recorded."""

    answer: Callable[[dict[tuple[str, int], str]], Answer]
    calls: list[dict[tuple[str, int], str]]
    counter: Any = itertools.count()

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChat:  # noqa: ARG002 - the script answers for the tool
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,  # noqa: ARG002 - langchain's signature
        run_manager: Any = None,  # noqa: ARG002
        **kwargs: Any,  # noqa: ARG002
    ) -> ChatResult:
        pages = pages_of(messages)
        self.calls.append(pages)
        answer = self.answer(pages)
        if isinstance(answer, Exception):
            raise answer
        arguments: dict[str, Any] | str = answer
        message = AIMessage(
            content="",
            tool_calls=[]
            if isinstance(arguments, str)
            else [{"name": "Claims", "args": arguments, "id": f"call-{next(self.counter)}"}],
            invalid_tool_calls=[
                {
                    "name": "Claims",
                    "args": arguments,
                    "id": "bad",
                    "error": "not JSON",
                    "type": "invalid_tool_call",
                }
            ]
            if isinstance(arguments, str)
            else [],
            usage_metadata={"input_tokens": 100, "output_tokens": 20, "total_tokens": 120},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def claim(
    fact: str,
    value: dict[str, Any],
    quote: str,
    document: str,
    page: int = 1,
    **flags: Any,
) -> dict[str, Any]:
    return {
        "fact": fact,
        "value": value,
        "quote": quote,
        "document": document,
        "page": page,
        **flags,
    }
