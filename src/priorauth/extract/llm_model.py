"""Which chat model the LLM extractor uses: only the one the user configured.

``PRIORAUTH_LLM=provider:model`` (``openai:gpt-4.1-mini``, ``anthropic:claude-...``,
``ollama:llama3.1``) goes to langchain's ``init_chat_model``; the provider's package must be
installed and its key is read from the provider's usual environment variable.
``PRIORAUTH_LLM_BASE_URL`` points the OpenAI provider at any OpenAI-compatible server (vLLM,
llama.cpp, Ollama's OpenAI API, a gateway). Nothing is called when neither is set.
``PRIORAUTH_LLM_TIMEOUT`` (seconds) and ``PRIORAUTH_LLM_RETRIES`` tune the calls. LangSmith
tracing is switched off for this process unless ``PRIORAUTH_LLM_TRACING=1``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from priorauth.adjudicate.errors import InputError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

TIMEOUT_SECONDS = 120.0
"""Per call; ``PRIORAUTH_LLM_TIMEOUT`` overrides it."""
RETRIES = 3
"""Retries on rate limits and server errors, with the client's exponential backoff;
``PRIORAUTH_LLM_RETRIES`` overrides it."""


@dataclass(frozen=True, slots=True)
class ChatModel:
    model: BaseChatModel
    name: str
    """As configured: ``provider:model``; recorded on every fact the model produces."""
    endpoint: str = ""
    """The server's base URL when one is configured (part of the answer cache's key)."""


def configured_name() -> str | None:
    return os.environ.get("PRIORAUTH_LLM") or None


def configured_model() -> ChatModel:
    """The configured model; a one-line error when none is, or it cannot be set up."""
    name = configured_name()
    if name is None:
        raise InputError("PRIORAUTH_LLM", "", "not set (provider:model, e.g. openai:gpt-4.1-mini)")
    provider, _, model = name.partition(":")
    if not provider or not model:
        raise InputError("PRIORAUTH_LLM", "", f"{name!r} is not provider:model")
    try:
        timeout = float(os.environ.get("PRIORAUTH_LLM_TIMEOUT") or TIMEOUT_SECONDS)
        retries = int(os.environ.get("PRIORAUTH_LLM_RETRIES") or RETRIES)
    except ValueError:
        raise InputError(
            "PRIORAUTH_LLM_TIMEOUT", "", "timeout and retries must be numbers"
        ) from None
    options: dict[str, Any] = {"temperature": 0, "timeout": timeout, "max_retries": retries}
    base_url = os.environ.get("PRIORAUTH_LLM_BASE_URL")
    if base_url:
        if provider != "openai":
            raise InputError("PRIORAUTH_LLM_BASE_URL", "", "is for the openai provider only")
        options["base_url"] = base_url
        options.setdefault("api_key", os.environ.get("OPENAI_API_KEY") or "not-needed")
    if os.environ.get("PRIORAUTH_LLM_TRACING") != "1":
        # langchain sends every prompt to LangSmith when tracing is on in the environment;
        # packet text goes only where priorauth is configured to send it.
        os.environ["LANGSMITH_TRACING"] = "false"
        os.environ["LANGCHAIN_TRACING_V2"] = "false"
    from langchain.chat_models import init_chat_model

    try:
        return ChatModel(init_chat_model(name, **options), name, base_url or "")
    except (ImportError, ValueError) as error:
        raise InputError("PRIORAUTH_LLM", "", f"cannot use {name!r}: {error}") from None
