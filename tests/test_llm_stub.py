"""The chat-completions stub against the real openai and langchain clients."""

# The `chat_stub` fixture is imported for pytest to find; each test's parameter "redefines" it.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import httpx
import openai
import pytest
from langchain.chat_models import init_chat_model
from langchain_core.exceptions import ModelAPIError, ModelRateLimitError, ModelTimeoutError
from langchain_core.messages import AIMessage
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import OpenAIRefusalError
from pydantic import BaseModel, ValidationError

from tests.llm_stub import (
    ChatStub,
    chat_stub,  # noqa: F401
    content,
    delay,
    error,
    refusal,
    tool_call,
)

PROMPT = "Patient on methotrexate 15 mg weekly since 2021-03."


class Therapy(BaseModel):
    drug: str
    dose_mg: float
    weekly: bool


THERAPY = {"drug": "methotrexate", "dose_mg": 15.0, "weekly": True}


def _llm(stub: ChatStub, **kwargs: Any) -> ChatOpenAI:
    kwargs.setdefault("max_retries", 0)
    return ChatOpenAI(model="gpt-test", base_url=stub.url, api_key="test", **kwargs)


def _function_names(request: dict[str, Any]) -> list[str]:
    return [tool["function"]["name"] for tool in request.get("tools", [])]


def test_function_calling_structured_output(chat_stub: ChatStub) -> None:
    chat_stub.script(tool_call("Therapy", THERAPY))

    structured = _llm(chat_stub).with_structured_output(Therapy, method="function_calling")
    result = structured.invoke(PROMPT)

    assert result == Therapy(drug="methotrexate", dose_mg=15, weekly=True)
    (request,) = chat_stub.requests
    assert request["model"] == "gpt-test"
    assert _function_names(request) == ["Therapy"]
    parameters = request["tools"][0]["function"]["parameters"]
    assert set(parameters["properties"]) == {"drug", "dose_mg", "weekly"}
    assert request["tool_choice"] == {"type": "function", "function": {"name": "Therapy"}}
    assert "response_format" not in request
    assert request["messages"] == [{"role": "user", "content": PROMPT}]
    assert chat_stub.pending == 0


def test_json_schema_structured_output_from_the_same_script(chat_stub: ChatStub) -> None:
    chat_stub.script(tool_call("Therapy", THERAPY))

    result = _llm(chat_stub).with_structured_output(Therapy, method="json_schema").invoke(PROMPT)

    assert result == Therapy(drug="methotrexate", dose_mg=15, weekly=True)
    (request,) = chat_stub.requests
    assert "tools" not in request
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["name"] == "Therapy"


def test_chat_openai_defaults_to_json_schema(chat_stub: ChatStub) -> None:
    # ChatOpenAI overrides BaseChatOpenAI's default method ("function_calling").
    chat_stub.script(tool_call("Therapy", THERAPY))

    result = _llm(chat_stub).with_structured_output(Therapy).invoke(PROMPT)

    assert result == Therapy(**THERAPY)
    (request,) = chat_stub.requests
    assert request["response_format"]["type"] == "json_schema"
    assert "tools" not in request


def test_json_schema_from_content(chat_stub: ChatStub) -> None:
    chat_stub.script(content(json.dumps(THERAPY)))

    result = _llm(chat_stub).with_structured_output(Therapy, method="json_schema").invoke(PROMPT)

    assert result == Therapy(drug="methotrexate", dose_mg=15, weekly=True)


def test_malformed_arguments_are_an_invalid_tool_call_not_a_parsing_error(
    chat_stub: ChatStub,
) -> None:
    # langchain-openai moves undecodable arguments to `invalid_tool_calls`; the tools parser
    # then sees no tool call and returns None *without* a parsing_error (or an exception).
    malformed = '{"drug": "methotrexate", "dose_mg": 15'
    chat_stub.script(tool_call("Therapy", malformed), tool_call("Therapy", malformed))
    llm = _llm(chat_stub)

    structured = llm.with_structured_output(Therapy, method="function_calling", include_raw=True)
    result = cast("dict[str, Any]", structured.invoke(PROMPT))

    assert result["parsed"] is None
    assert result["parsing_error"] is None
    raw = result["raw"]
    assert isinstance(raw, AIMessage)
    assert raw.tool_calls == []
    (invalid,) = raw.invalid_tool_calls
    assert invalid["name"] == "Therapy"
    assert invalid["args"] == malformed
    assert "not valid JSON" in (invalid["error"] or "")
    assert llm.with_structured_output(Therapy, method="function_calling").invoke(PROMPT) is None


def test_arguments_failing_validation_give_a_parsing_error(chat_stub: ChatStub) -> None:
    chat_stub.script(tool_call("Therapy", {"drug": "methotrexate"}))

    structured = _llm(chat_stub).with_structured_output(
        Therapy, method="function_calling", include_raw=True
    )
    result = cast("dict[str, Any]", structured.invoke(PROMPT))

    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], ValidationError)


@pytest.mark.parametrize(
    "arguments", ['{"drug": "methotrexate", "dose_mg": 15', {"drug": "methotrexate"}]
)
def test_json_schema_bad_content_raises_despite_include_raw(
    chat_stub: ChatStub, arguments: dict[str, Any] | str
) -> None:
    # With a pydantic schema the openai SDK's .parse() validates inside the model call,
    # before langchain's include_raw handling can catch it.
    chat_stub.script(tool_call("Therapy", arguments))

    structured = _llm(chat_stub).with_structured_output(
        Therapy, method="json_schema", include_raw=True
    )
    with pytest.raises(ValidationError):
        structured.invoke(PROMPT)


def test_rate_limit_is_retried(chat_stub: ChatStub) -> None:
    # The SDK ignores "Retry-After: 0" (it honours only 0 < delay <= 60 s) and backs off
    # ~0.4-0.5 s; "retry-after-ms" is read first, so 1 ms makes the retry immediate.
    chat_stub.script(
        error(429, headers={"Retry-After": "0", "retry-after-ms": "1"}),
        tool_call("Therapy", THERAPY),
    )

    result = _llm(chat_stub, max_retries=1).with_structured_output(Therapy).invoke(PROMPT)

    assert isinstance(result, Therapy)
    assert len(chat_stub.requests) == 2
    assert chat_stub.requests[0] == chat_stub.requests[1]


def test_rate_limit_without_retries_raises(chat_stub: ChatStub) -> None:
    chat_stub.script(error(429, headers={"Retry-After": "0"}))

    with pytest.raises(openai.RateLimitError) as caught:
        _llm(chat_stub).invoke(PROMPT)

    # langchain-openai re-raises its own subclass of both the SDK's and langchain-core's type.
    assert isinstance(caught.value, ModelRateLimitError)
    assert caught.value.status_code == 429
    assert caught.value.body == {
        "message": "Too Many Requests (ChatStub)",
        "type": "rate_limit_error",
        "param": None,
        "code": "rate_limit_exceeded",
    }
    assert len(chat_stub.requests) == 1


def test_server_error_without_retries_raises(chat_stub: ChatStub) -> None:
    chat_stub.script(error(500))

    with pytest.raises(openai.InternalServerError) as caught:
        _llm(chat_stub).with_structured_output(Therapy).invoke(PROMPT)

    assert isinstance(caught.value, ModelAPIError)
    assert caught.value.status_code == 500
    assert len(chat_stub.requests) == 1


def test_server_errors_are_retried_max_retries_times(chat_stub: ChatStub) -> None:
    chat_stub.script(*[error(500, headers={"retry-after-ms": "1"})] * 3, content("ok"))

    with pytest.raises(openai.InternalServerError):
        _llm(chat_stub, max_retries=2).invoke(PROMPT)

    assert len(chat_stub.requests) == 3
    assert chat_stub.pending == 1


def test_delay_trips_the_client_timeout(chat_stub: ChatStub) -> None:
    chat_stub.script(delay(2, then=tool_call("Therapy", THERAPY)))

    with pytest.raises(openai.APITimeoutError) as caught:
        _llm(chat_stub, timeout=0.5).with_structured_output(Therapy).invoke(PROMPT)

    assert isinstance(caught.value, ModelTimeoutError)
    assert isinstance(caught.value, openai.APIConnectionError)  # the SDK's parent class
    assert len(chat_stub.requests) == 1


def test_timeouts_are_retried(chat_stub: ChatStub) -> None:
    chat_stub.script(delay(2), content("ok"))

    assert _llm(chat_stub, timeout=0.3, max_retries=1).invoke(PROMPT).content == "ok"
    assert len(chat_stub.requests) == 2


def test_short_delay_then_answers(chat_stub: ChatStub) -> None:
    chat_stub.script(delay(0.05, then=content("ok")))

    assert _llm(chat_stub, timeout=5).invoke(PROMPT).content == "ok"


def test_usage_metadata_on_the_raw_message(chat_stub: ChatStub) -> None:
    chat_stub.script(tool_call("Therapy", THERAPY))

    structured = _llm(chat_stub).with_structured_output(
        Therapy, method="function_calling", include_raw=True
    )
    result = cast("dict[str, Any]", structured.invoke(PROMPT))

    raw = result["raw"]
    assert isinstance(raw, AIMessage)
    assert raw.usage_metadata is not None
    assert raw.usage_metadata["input_tokens"] == len(PROMPT) // 4
    assert raw.usage_metadata["output_tokens"] == len(json.dumps(THERAPY)) // 4
    assert raw.usage_metadata["total_tokens"] == (
        raw.usage_metadata["input_tokens"] + raw.usage_metadata["output_tokens"]
    )
    assert raw.response_metadata["model_name"] == "gpt-test"
    assert raw.response_metadata["finish_reason"] == "tool_calls"
    assert result["parsed"] == Therapy(**THERAPY)


def test_init_chat_model(chat_stub: ChatStub) -> None:
    chat_stub.script(tool_call("Therapy", THERAPY), content("plain text"))

    model = init_chat_model("openai:gpt-test", base_url=chat_stub.url, api_key="test")

    assert model.with_structured_output(Therapy).invoke(PROMPT) == Therapy(**THERAPY)
    assert model.invoke(PROMPT).content == "plain text"
    assert [r["model"] for r in chat_stub.requests] == ["gpt-test", "gpt-test"]


def test_refusal_with_json_schema(chat_stub: ChatStub) -> None:
    chat_stub.script(refusal("I can't help with that."))

    structured = _llm(chat_stub).with_structured_output(
        Therapy, method="json_schema", include_raw=True
    )
    result = cast("dict[str, Any]", structured.invoke(PROMPT))

    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], OpenAIRefusalError)
    raw = result["raw"]
    assert isinstance(raw, AIMessage)
    assert raw.additional_kwargs.get("refusal") == "I can't help with that."


def test_default_reply_when_the_queue_is_empty(chat_stub: ChatStub) -> None:
    chat_stub.script(content("first")).default(content("again"))
    llm = _llm(chat_stub)

    assert [llm.invoke(PROMPT).content for _ in range(3)] == ["first", "again", "again"]


def test_no_reply_scripted_is_a_server_error(chat_stub: ChatStub) -> None:
    with pytest.raises(openai.InternalServerError, match="no reply scripted"):
        _llm(chat_stub, max_retries=2).invoke(PROMPT)

    assert len(chat_stub.requests) == 1  # x-should-retry: false


def test_other_routes_and_streaming_are_refused(chat_stub: ChatStub) -> None:
    with httpx.Client(base_url=chat_stub.url) as client:
        assert client.get("/models").status_code == 404
        assert client.post("/embeddings", json={"input": "x"}).status_code == 404
        streamed = client.post(
            "/chat/completions",
            json={"model": "gpt-test", "messages": [], "stream": True},
        )
    assert streamed.status_code == 400
    assert streamed.json()["error"]["type"] == "invalid_request_error"
    assert len(chat_stub.requests) == 1


def test_context_manager_stops_the_server() -> None:
    with ChatStub() as stub:
        url = stub.url
    with pytest.raises(httpx.ConnectError), httpx.Client() as client:
        client.post(f"{url}/chat/completions", json={})


def test_concurrent_batch_uses_the_default_reply(chat_stub: ChatStub) -> None:
    chat_stub.default(tool_call("Therapy", THERAPY))
    structured = _llm(chat_stub).with_structured_output(Therapy, method="function_calling")

    results = structured.batch([f"{PROMPT} ({n})" for n in range(8)])

    assert results == [Therapy(**THERAPY)] * 8
    assert len(chat_stub.requests) == 8


def test_async_client(chat_stub: ChatStub) -> None:
    chat_stub.script(tool_call("Therapy", THERAPY))
    structured = _llm(chat_stub).with_structured_output(Therapy)

    assert asyncio.run(structured.ainvoke(PROMPT)) == Therapy(**THERAPY)
