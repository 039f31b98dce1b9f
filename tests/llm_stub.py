"""A local stand-in for the OpenAI chat-completions endpoint, for testing LLM code offline.

Only the standard library: a ``ThreadingHTTPServer`` on 127.0.0.1 (ephemeral port) in a
daemon thread. Point ``ChatOpenAI`` / ``init_chat_model("openai:...")`` at ``stub.url`` with
any api key, queue replies with ``stub.script(...)``, and inspect ``stub.requests``.

    with ChatStub() as stub:
        stub.script(tool_call("Facts", {"drug": "x"}), error(500))
        llm = ChatOpenAI(model="gpt-test", base_url=stub.url, api_key="test", max_retries=0)

Replies: ``tool_call``, ``content``, ``refusal``, ``error``, ``delay``. A ``tool_call`` answered
to a request whose ``response_format`` is ``json_schema`` (or ``json_object``) is sent as a
content reply holding the arguments, so one script serves both structured-output methods.
When the queue is empty the ``default`` reply is used; without one the stub answers 500 with
``x-should-retry: false`` and a message saying the script ran out.

The stub never prints or logs request bodies (real ones hold patient text).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import pytest

CHAT_COMPLETIONS_PATH = "/v1/chat/completions"
_JSON_RESPONSE_FORMATS = frozenset({"json_schema", "json_object"})
_MAX_BODY_BYTES = 32 * 1024 * 1024


# --- replies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCallReply:
    """An assistant message calling one function; ``arguments`` as given when a str."""

    name: str
    arguments: dict[str, Any] | str
    call_id: str | None = None

    @property
    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


@dataclass(frozen=True)
class ContentReply:
    """A plain assistant message with text content."""

    text: str


@dataclass(frozen=True)
class RefusalReply:
    """An assistant message with ``refusal`` set and ``content`` None."""

    text: str


@dataclass(frozen=True)
class ErrorReply:
    """An HTTP error with an OpenAI-style ``{"error": {...}}`` body (or ``body`` verbatim)."""

    status: int
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DelayReply:
    """Sleep ``seconds``, then answer with ``then`` (if the client is still there)."""

    seconds: float
    then: Reply


Reply = ToolCallReply | ContentReply | RefusalReply | ErrorReply | DelayReply


def tool_call(name: str, arguments: dict[str, Any] | str, *, call_id: str | None = None) -> Reply:
    """Call function ``name``; a str ``arguments`` is sent raw (e.g. malformed JSON)."""
    return ToolCallReply(name, arguments, call_id)


def content(text: str) -> Reply:
    return ContentReply(text)


def refusal(text: str) -> Reply:
    return RefusalReply(text)


def error(
    status: int,
    body: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """An HTTP error. The openai client retries 408, 409, 429 and >= 500 (up to max_retries).

    It ignores ``Retry-After: 0`` (only delays > 0 are honoured) and backs off ~0.5 s instead;
    send ``{"retry-after-ms": "1"}`` for a fast retry.
    """
    return ErrorReply(status, body, dict(headers or {}))


def delay(seconds: float, then: Reply | None = None) -> Reply:
    """Wait before answering (to trip client timeouts); answers ``then`` or an empty content."""
    return DelayReply(seconds, then if then is not None else ContentReply(""))


# --- the server ----------------------------------------------------------------------------------


def _error_body(status: int, message: str | None = None) -> dict[str, Any]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    kind = {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        429: "rate_limit_error",
    }.get(status, "server_error" if status >= 500 else "invalid_request_error")
    code = {429: "rate_limit_exceeded"}.get(status)
    return {
        "error": {
            "message": message or f"{phrase} (ChatStub)",
            "type": kind,
            "param": None,
            "code": code,
        }
    }


def _text_of(value: Any) -> str:
    """The text in a message's ``content``: a str, or a list of parts with ``text``."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            part["text"]
            for part in value
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _prompt_tokens(request: Mapping[str, Any]) -> int:
    messages = request.get("messages")
    if not isinstance(messages, list):
        return 1
    chars = 0
    for message in messages:
        if not isinstance(message, dict):
            continue
        chars += len(_text_of(message.get("content")))
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and isinstance(call.get("function"), dict):
                chars += len(str(call["function"].get("arguments", "")))
    return max(1, chars // 4)


def _completion(request: Mapping[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    finish_reason = "stop"
    if isinstance(reply, ToolCallReply):
        message["tool_calls"] = [
            {
                "id": reply.call_id or f"call_{uuid.uuid4().hex[:24]}",
                "type": "function",
                "function": {"name": reply.name, "arguments": reply.arguments_json},
            }
        ]
        finish_reason = "tool_calls"
        output = reply.arguments_json
    elif isinstance(reply, ContentReply):
        message["content"] = reply.text
        output = reply.text
    elif isinstance(reply, RefusalReply):
        message["refusal"] = reply.text
        output = reply.text
    else:  # pragma: no cover - errors and delays never get here
        raise TypeError(f"not a message reply: {type(reply).__name__}")
    prompt_tokens = _prompt_tokens(request)
    completion_tokens = max(1, len(output) // 4)
    model = request.get("model")
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:29]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model if isinstance(model, str) else "unknown",
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "system_fingerprint": "fp_chatstub",
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stub: ChatStub) -> None:
        self.stub = stub
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints a traceback to stderr; keep quiet (nothing of the body leaks).
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ChatStub/1"
    timeout = 30  # seconds a connection may idle before the handler gives up on it
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        # BaseHTTPRequestHandler logs each request line to stderr; the stub logs nothing.
        pass

    def do_POST(self) -> None:
        try:
            self._chat_completions()
        except Exception as exc:  # a bug in the stub or a test's reply: tell the client, no retry
            message = f"ChatStub failed: {type(exc).__name__}: {exc}"
            self._send_json(500, _error_body(500, message), {"x-should-retry": "false"})

    def _chat_completions(self) -> None:
        stub = self.server.stub
        path = self.path.split("?", 1)[0].rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY_BYTES:
            self._send_json(413, _error_body(413), {"x-should-retry": "false"})
            return
        raw = self.rfile.read(length)
        if path != CHAT_COMPLETIONS_PATH:
            self._send_json(404, _error_body(404, f"no route for POST {path}"))
            return
        try:
            request = json.loads(raw)
        except ValueError:
            self._send_json(400, _error_body(400, "request body is not JSON"))
            return
        if not isinstance(request, dict):
            self._send_json(400, _error_body(400, "request body is not a JSON object"))
            return
        stub._record(request)
        if request.get("stream"):
            self._send_json(400, _error_body(400, "ChatStub does not stream"))
            return
        reply = stub._next_reply()
        if reply is None:
            message = "ChatStub: no reply scripted and no default set"
            self._send_json(500, _error_body(500, message), {"x-should-retry": "false"})
            return
        while isinstance(reply, DelayReply):
            if stub._stopping.wait(reply.seconds):
                self.close_connection = True
                return
            reply = reply.then
        if isinstance(reply, ErrorReply):
            body = reply.body if reply.body is not None else _error_body(reply.status)
            self._send_json(reply.status, body, reply.headers)
            return
        response_format = request.get("response_format")
        if (
            isinstance(reply, ToolCallReply)
            and isinstance(response_format, dict)
            and response_format.get("type") in _JSON_RESPONSE_FORMATS
        ):
            reply = ContentReply(reply.arguments_json)
        self._send_json(200, _completion(request, reply))

    def _not_found(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= _MAX_BODY_BYTES:
            self.rfile.read(length)
        self._send_json(404, _error_body(404, f"no route for {self.command} {self.path}"))

    do_GET = do_PUT = do_PATCH = do_DELETE = _not_found  # noqa: N815

    def _send_json(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            # One request per connection: no idle keep-alive threads to wait for on stop().
            self.send_header("Connection", "close")
            self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:24]}")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout fired during a delay)
        self.close_connection = True


class ChatStub:
    """A fake OpenAI chat-completions server; a context manager (start on enter, stop on exit)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._default: Reply | None = None
        self._requests: list[dict[str, Any]] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("ChatStub already started")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="ChatStub",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a delay
        server.shutdown()
        server.server_close()  # joins the handler threads
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # the API tests use

    @property
    def url(self) -> str:
        """The base url for the client, e.g. ``http://127.0.0.1:PORT/v1``."""
        if self._server is None:
            raise RuntimeError("ChatStub not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The JSON bodies received at the chat-completions route, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def pending(self) -> int:
        """How many scripted replies are still queued."""
        with self._lock:
            return len(self._queue)

    def script(self, *replies: Reply) -> Self:
        """Queue replies, one per request, in order."""
        with self._lock:
            self._queue.extend(replies)
        return self

    def default(self, reply: Reply | None) -> Self:
        """The reply used when the queue is empty (None: answer 500, no retry)."""
        with self._lock:
            self._default = reply
        return self

    def _record(self, request: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(request)

    def _next_reply(self) -> Reply | None:
        with self._lock:
            return self._queue.popleft() if self._queue else self._default


@pytest.fixture
def chat_stub() -> Iterator[ChatStub]:
    """A started ``ChatStub``, stopped after the test."""
    with ChatStub() as stub:
        yield stub
