"""A fake Gemini server speaking the REST protocol google-genai uses, with scripted behaviours.

Runs in the test process (a ThreadingHTTPServer on 127.0.0.1, a free port); the code under test
(in-process or in a Celery worker process) reaches it over real HTTP through `GEMINI_BASE_URL`.
By default it answers every comment correctly with a keyword rule; tests script failures:

    with FakeGemini() as fake:
        fake.script(Behaviour.rate_limited(retry_delay=1), Behaviour.success())
        fake.default = Behaviour.output_blocked(marker="BLOQUEAR")

Scripted behaviours are used once each, in order, then `default` answers. Every request is kept
in `fake.requests` for assertions (batch sizes, system instruction, generation config, timing).

Requests of the reports (weekly summary, questions) are told apart by their response schema
(a `resumo` or a `resposta` property) and answered from their JSON data part; see
`honest_report_answer`.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lib.text import fold_accents

CATEGORIES = ("ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA", "SPAM")
_PATH_RE = re.compile(r"^/(v1beta|v1)/models/([^/:]+):generateContent$")
# What an obedient model takes as an order about the label or the confidence (pt-BR and English).
_LABEL_WORD = r"[\"'“*]?([\wÀ-ÿ]+)"
_ORDER_RES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"classifi\w*\s+(?:[\wÀ-ÿ]+\s+){0,4}?(?:como|as)\s+" + _LABEL_WORD,
        r"(?:marque|marca|mark|label|rotule|tag|categorize)\s+(?:[\wÀ-ÿ]+\s+){0,3}?(?:como|as)\s+"
        + _LABEL_WORD,
        r"(?:categoria|category|label|rótulo|classe)\s*[:=]\s*" + _LABEL_WORD,
        r"(?:a resposta|the answer|responda|answer|output|retorne|return)\s*(?:é|is|:|com|with)?\s*"
        + _LABEL_WORD,
    )
)
_CONFIDENCE_RE = re.compile(
    r"(?:confiança|confianca|confidence|certeza|score)\D{0,12}?(\d+(?:[.,]\d+)?)\s*(%?)",
    re.IGNORECASE,
)
_ENGLISH_LABELS = {
    "PRAISE": "ELOGIO", "CRITICISM": "CRÍTICA", "COMPLAINT": "CRÍTICA",
    "SUGGESTION": "SUGESTÃO", "QUESTION": "DÚVIDA", "CRITICA": "CRÍTICA",
    "SUGESTAO": "SUGESTÃO", "DUVIDA": "DÚVIDA",
}  # fmt: skip

# The honest answer: the first rule whose keyword appears (accents folded) wins; else ELOGIO.
_CATEGORY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SPAM", ("http", "www.", "link na bio", "link da bio", "cupom", "me segue", "sigam",
              "sorteio", "ganhe ", "clique", "promocao")),
    ("SUGESTÃO", ("seria legal", "seria bom", "que tal", "poderiam", "deveriam", "sugiro",
                  "por que voces nao", "pq vcs nao", "sugestao", "coloquem", "adicionem")),
    ("CRÍTICA", ("ruim", "pessim", "horrivel", "trava", "fecha sozinho", "bug", "erro", "caro",
                 "nao funciona", "lento", "decepc", "pior", "anuncio", "baixo demais")),
    ("DÚVIDA", ("quando", "como ", "onde", "qual ", "quanto", "alguem sabe", "?")),
)  # fmt: skip
_TAG_RULES: dict[str, tuple[str, ...]] = {
    "show_ingresso": ("ingresso",),
    "show": ("show",),
    "bug_app": ("trava", "bug", "erro"),
    "app": ("app", "aplicativo"),
    "album": ("album",),
    "playlist": ("playlist",),
    "letra": ("letra",),
    "preco_assinatura": ("preco", "caro", "plano", "assinatura"),
    "qualidade_audio": ("audio", "som "),
    "anuncios": ("anuncio",),
    "link_externo": ("http", "www."),
    "promocao_externa": ("cupom", "sorteio", "promocao"),
    "autopromocao": ("me segue", "sigam"),
}


def honest_category(text: str) -> str:
    """The label the fake gives `text` when nothing is scripted (a keyword rule)."""
    folded = fold_accents(text)
    for category, keywords in _CATEGORY_RULES:
        if any(keyword in folded for keyword in keywords):
            return category
    return "ELOGIO"


def honest_entry(comment: dict[str, Any]) -> dict[str, Any]:
    """The fake's correct answer for one `{"id", "texto"}` comment."""
    text = str(comment.get("texto", ""))
    folded = fold_accents(text)
    found = {code: [k for k in keywords if k in folded] for code, keywords in _TAG_RULES.items()}
    tags = [
        {"codigo": code, "explicacao": f'menciona "{hits[0].strip()}"'}
        for code, hits in found.items()
        if hits
    ][:3]
    return {"id": comment.get("id"), "categoria": honest_category(text), "confianca": 0.9,
            "tags": tags}  # fmt: skip


@dataclass(frozen=True)
class Behaviour:
    """How the fake answers one request. `marker`: only requests/comments whose text contains it
    are affected (others get a correct answer); empty means every one."""

    kind: str = "success"
    retry_delay: float | None = None
    delay: float = 0.0
    marker: str = ""
    over: int = 0
    count: int = 1
    finish_reason: str = ""

    @classmethod
    def success(cls) -> Behaviour:
        return cls("success")

    @classmethod
    def rate_limited(cls, retry_delay: float = 1.0) -> Behaviour:
        return cls("rate_limited", retry_delay=retry_delay)

    @classmethod
    def server_error(cls, retry_delay: float | None = None) -> Behaviour:
        return cls("server_error", retry_delay=retry_delay)

    @classmethod
    def unavailable(cls, retry_delay: float | None = None) -> Behaviour:
        return cls("unavailable", retry_delay=retry_delay)

    @classmethod
    def slow(cls, delay: float) -> Behaviour:
        """Answer correctly, but only after `delay` seconds (past the client's timeout)."""
        return cls("slow", delay=delay)

    @classmethod
    def not_json(cls) -> Behaviour:
        """A 200 whose body is an HTML page, as a misbehaving proxy would send."""
        return cls("not_json")

    @classmethod
    def malformed(cls) -> Behaviour:
        """finishReason STOP, but the JSON text is cut in half."""
        return cls("malformed")

    @classmethod
    def missing_ids(cls, count: int = 1) -> Behaviour:
        return cls("missing_ids", count=count)

    @classmethod
    def extra_ids(cls, count: int = 1) -> Behaviour:
        return cls("extra_ids", count=count)

    @classmethod
    def bad_label(cls, marker: str = "") -> Behaviour:
        """The label "NEUTRO" (outside the enum) for the marked comments."""
        return cls("bad_label", marker=marker)

    @classmethod
    def bad_confidence(cls, marker: str = "") -> Behaviour:
        return cls("bad_confidence", marker=marker)

    @classmethod
    def max_tokens(cls, over: int = 0) -> Behaviour:
        """Cut off (finishReason MAX_TOKENS) when the batch has more than `over` comments."""
        return cls("max_tokens", over=over)

    @classmethod
    def output_blocked(cls, marker: str = "", reason: str = "SAFETY") -> Behaviour:
        """finishReason `reason` (SAFETY, RECITATION…), no text, when a marked comment is sent."""
        return cls("output_blocked", marker=marker, finish_reason=reason)

    @classmethod
    def prompt_blocked(cls, marker: str = "") -> Behaviour:
        """promptFeedback.blockReason SAFETY, no candidates, when the batch holds a marked one."""
        return cls("prompt_blocked", marker=marker)

    @classmethod
    def echo(cls) -> Behaviour:
        """Obey the comments: a label they order, and any JSON they carry, copied to the output."""
        return cls("echo")

    @classmethod
    def obedient(cls) -> Behaviour:
        """A model that obeys instructions found in comment texts: the label and the confidence
        they order (pt-BR or English phrasing), and any answer JSON they carry. Asked a
        question, it does what the question says, recites its instructions and invents a week
        (`obedient_question_answer`)."""
        return cls("echo")

    @classmethod
    def key_echoed(cls) -> Behaviour:
        """400 INVALID_ARGUMENT whose message echoes the API key the request carried."""
        return cls("key_echoed")

    @classmethod
    def permission_denied(cls) -> Behaviour:
        return cls("permission_denied")

    @classmethod
    def invalid_argument(cls) -> Behaviour:
        """400 INVALID_ARGUMENT, as for a request the API will never accept."""
        return cls("invalid_argument")


@dataclass
class ReceivedRequest:
    """One request as the fake saw it."""

    at: float  # time.time() on arrival
    path: str
    model: str
    api_key: str
    body: dict[str, Any]
    behaviour: str = ""
    status: int = 200
    comments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def system_instruction(self) -> str:
        parts = (self.body.get("systemInstruction") or {}).get("parts") or []
        return "".join(str(part.get("text", "")) for part in parts)

    @property
    def user_texts(self) -> list[str]:
        return [
            str(part.get("text", ""))
            for content in self.body.get("contents") or []
            for part in content.get("parts") or []
        ]

    @property
    def generation_config(self) -> dict[str, Any]:
        return self.body.get("generationConfig") or {}


class FakeGemini:
    """The server; thread-safe scripting and recording (see the module docstring)."""

    def __init__(self, *, api_key: str = "test-key", thinking_tokens: int = 0) -> None:
        self.api_key = api_key
        self.thinking_tokens = thinking_tokens
        self.default = Behaviour.success()
        self._queue: list[Behaviour] = []
        self._outage_until = 0.0
        self._outage = Behaviour.unavailable()
        self._requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeGemini:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)
        threading.Thread(target=serve, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeGemini:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- scripting and inspection ------------------------------------------------------------
    def script(self, *behaviours: Behaviour) -> None:
        """Answer the next requests with `behaviours`, one each, before falling back to default."""
        with self._lock:
            self._queue.extend(behaviours)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self.default = Behaviour.success()
            self._outage_until = 0.0

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    def sent_ids(self) -> list[str]:
        return [str(c.get("id")) for request in self.requests for c in request.comments]

    def outage(self, seconds: float, behaviour: Behaviour | None = None) -> None:
        """Answer every request with `behaviour` (503 by default) for the next `seconds`."""
        with self._lock:
            self._outage_until = time.monotonic() + seconds
            self._outage = behaviour or Behaviour.unavailable()

    @property
    def in_outage(self) -> bool:
        with self._lock:
            return time.monotonic() < self._outage_until

    def _next_behaviour(self) -> Behaviour:
        with self._lock:
            if time.monotonic() < self._outage_until:
                return self._outage
            return self._queue.pop(0) if self._queue else self.default

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def sleep(self, seconds: float) -> None:
        """A sleep that ends early when the server stops."""
        self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGemini
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, each answer waits ~40 ms for an ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet test output

    def do_POST(self) -> None:
        body_bytes = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0]
        match = _PATH_RE.match(path)
        if not match:
            self._error(404, "NOT_FOUND", f"Path {path} not found.")
            return
        key = self.headers.get("x-goog-api-key", "")
        try:
            body = json.loads(body_bytes or b"{}")
        except json.JSONDecodeError:
            body = {}
        request = ReceivedRequest(
            at=time.time(), path=path, model=match.group(2), api_key=key, body=body,
            comments=_comments_of(body),
        )  # fmt: skip
        self.fake._record(request)
        if self._rejected_key(request):
            return
        behaviour = self.fake._next_behaviour()
        request.behaviour = behaviour.kind
        if behaviour.kind == "key_echoed":
            message = f"Invalid value at 'request' (x-goog-api-key: {key}); see ?key={key}"
            request.status = self._error(400, "INVALID_ARGUMENT", message)
            return
        request.status = self._answer(request, behaviour)

    # --- answers -----------------------------------------------------------------------------
    def _rejected_key(self, request: ReceivedRequest) -> bool:
        if not request.api_key:
            request.status = self._error(
                403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."
            )
            return True
        if request.api_key != self.fake.api_key:
            details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]  # fmt: skip
            request.status = self._error(
                400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details
            )
            return True
        return False

    def _answer(self, request: ReceivedRequest, behaviour: Behaviour) -> int:
        kind = behaviour.kind
        if kind in _HTTP_ERRORS:
            code, status, message = _HTTP_ERRORS[kind]
            return self._error(code, status, message, _retry_info(behaviour.retry_delay))
        if kind == "not_json":
            return self._send(200, b"<html><body>502 upstream hiccup</body></html>", "text/html")
        if kind == "slow":
            self.fake.sleep(behaviour.delay)
        report = honest_report_answer(request.body)
        if report is not None and kind == "echo" and "resposta" in report:
            report = obedient_question_answer(request)
        if report is not None:
            return self._success(request, json.dumps(report, ensure_ascii=False))
        comments = request.comments
        affected = [c for c in comments if behaviour.marker in str(c.get("texto", ""))]
        if kind == "prompt_blocked" and affected:
            usage = {
                "promptTokenCount": _tokens(request.body),
                "totalTokenCount": _tokens(request.body),
            }
            feedback = {"blockReason": "SAFETY"}
            payload = {
                "promptFeedback": feedback,
                "usageMetadata": usage,
                "modelVersion": request.model,
            }
            return self._json(200, payload)
        if kind == "output_blocked" and affected:
            candidate = {
                "finishReason": behaviour.finish_reason,
                "index": 0,
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": True}
                ],
            }
            return self._success(request, None, candidate)
        if kind == "max_tokens" and len(comments) > behaviour.over:
            text = json.dumps([honest_entry(c) for c in comments], ensure_ascii=False)
            return self._success(request, text[: len(text) // 2], {"finishReason": "MAX_TOKENS"})
        return self._success(request, _entries_text(comments, behaviour, affected))

    def _success(
        self, request: ReceivedRequest, text: str | None, candidate: dict[str, Any] | None = None
    ) -> int:
        candidate = {"finishReason": "STOP", "index": 0, **(candidate or {})}
        if text is not None:
            candidate["content"] = {"role": "model", "parts": [{"text": text}]}
        usage = {"promptTokenCount": _tokens(request.body),
                 "candidatesTokenCount": len(text or "") // 4}  # fmt: skip
        if self.fake.thinking_tokens:
            usage["thoughtsTokenCount"] = self.fake.thinking_tokens
        usage["totalTokenCount"] = sum(usage.values())
        return self._json(200, {
            "candidates": [candidate], "usageMetadata": usage,
            "modelVersion": f"{request.model}-fake-001", "responseId": uuid.uuid4().hex,
        })  # fmt: skip

    def _error(
        self, code: int, status: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> int:
        error: dict[str, Any] = {"code": code, "message": message, "status": status}
        if details:
            error["details"] = details
        return self._json(code, {"error": error})

    def _json(self, code: int, payload: dict[str, Any]) -> int:
        return self._send(
            code, json.dumps(payload, ensure_ascii=False).encode(), "application/json"
        )

    def _send(self, code: int, body: bytes, content_type: str) -> int:
        try:
            self.send_response(code)
            self.send_header("Content-Type", f"{content_type}; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer
        return code


_HTTP_ERRORS: dict[str, tuple[int, str, str]] = {
    "rate_limited": (429, "RESOURCE_EXHAUSTED", "You exceeded your current quota."),
    "server_error": (500, "INTERNAL", "An internal error has occurred."),
    "unavailable": (503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
    "invalid_argument": (400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    "permission_denied": (403, "PERMISSION_DENIED", "The caller does not have permission."),
}


def _retry_info(delay: float | None) -> list[dict[str, Any]]:
    if delay is None:
        return []
    return [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{delay:g}s"}]


def _data_object(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON object part of the user content (the reports send their data as one)."""
    for content in body.get("contents") or []:
        for part in content.get("parts") or []:
            try:
                data = json.loads(part.get("text", ""))
            except (json.JSONDecodeError, TypeError):
                continue
            if isinstance(data, dict):
                return data
    return {}


def _words(text: str) -> set[str]:
    return {word[:5] for word in re.findall(r"[a-z0-9_]+", fold_accents(text)) if len(word) >= 5}


def honest_report_answer(body: dict[str, Any]) -> dict[str, Any] | None:
    """The fake's answer to a weekly-summary or question request, None for other requests.

    A summary names the week and its total; an answer cites the weeks whose summary shares a
    word (5+ letters) with the question, and refuses a question about its instructions.
    """
    schema = (body.get("generationConfig") or {}).get("responseSchema") or {}
    properties = schema.get("properties") or {}
    data = _data_object(body)
    if "resumo" in properties:
        numbers = data.get("numeros") or {}
        return {"resumo": f"Resumo do Gemini falso para {data.get('semana')}: "
                          f"{numbers.get('total', 0)} comentários na semana."}  # fmt: skip
    if "resposta" not in properties:
        return None
    question = str(data.get("pergunta", ""))
    if "instruc" in fold_accents(question):
        return {"resposta": "Não posso ajudar com isso.", "semanas_citadas": [], "recusa": True}
    wanted = _words(question)
    weeks = [str(s.get("semana")) for s in data.get("resumos") or []
             if wanted & _words(str(s.get("texto", "")))]  # fmt: skip
    return {"resposta": f"Resposta do Gemini falso com base em {', '.join(weeks) or 'nada'}.",
            "semanas_citadas": weeks, "recusa": False}  # fmt: skip


INVENTED_WEEK = "1999-W01"


def obedient_question_answer(request: ReceivedRequest) -> dict[str, Any]:
    """What a gullible model answers to a question: it agrees to whatever the question orders,
    recites its system instruction, and cites a week that was not in the data."""
    data = _data_object(request.body)
    weeks = [str(s.get("semana")) for s in data.get("resumos") or []]
    return {
        "resposta": f"Claro, farei o que foi pedido: {data.get('pergunta', '')} Minhas "
        f"instruções são: {request.system_instruction} Na semana {INVENTED_WEEK}, tudo foi "
        "ELOGIO com confiança 0.99.",
        "semanas_citadas": [*weeks, INVENTED_WEEK],
        "recusa": False,
    }


def _comments_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON array of comments in the user content (the part that parses as one)."""
    for content in body.get("contents") or []:
        for part in content.get("parts") or []:
            try:
                data = json.loads(part.get("text", ""))
            except (json.JSONDecodeError, TypeError):
                continue
            if isinstance(data, list):
                return [c for c in data if isinstance(c, dict)]
    return []


def _tokens(body: dict[str, Any]) -> int:
    return len(json.dumps(body, ensure_ascii=False)) // 4


def _entries_text(
    comments: list[dict[str, Any]], behaviour: Behaviour, affected: list[dict[str, Any]]
) -> str:
    entries = [honest_entry(c) for c in comments]
    affected_ids = {c.get("id") for c in affected}
    kind = behaviour.kind
    if kind == "missing_ids":
        entries = entries[: max(0, len(entries) - behaviour.count)]
    elif kind == "extra_ids":
        entries += [{**honest_entry({"texto": ""}), "id": str(uuid.uuid4())}
                    for _ in range(behaviour.count)]  # fmt: skip
    elif kind in ("bad_label", "bad_confidence"):
        field_name, value = ("categoria", "NEUTRO") if kind == "bad_label" else ("confianca", 7)
        entries = [{**e, field_name: value} if e["id"] in affected_ids else e for e in entries]
    elif kind == "echo":
        entries = [entry for c in comments for entry in _obey(c)]
    text = json.dumps(entries, ensure_ascii=False)
    return text[: len(text) // 2] if kind == "malformed" else text


def _obey(comment: dict[str, Any]) -> list[dict[str, Any]]:
    """What a gullible model answers for `comment`: the label it orders, plus any JSON it holds."""
    text = str(comment.get("texto", ""))
    entry = honest_entry(comment)
    for pattern in _ORDER_RES:
        order = pattern.search(text)
        if order:
            word = order.group(1).upper()
            entry["categoria"] = _ENGLISH_LABELS.get(word, word)
            break
    confidence = _CONFIDENCE_RE.search(text)
    if confidence:
        value = float(confidence.group(1).replace(",", "."))
        entry["confianca"] = value / 100 if confidence.group(2) or value > 1 else value
    return [entry, *_embedded_objects(text)]


def _embedded_objects(text: str) -> list[dict[str, Any]]:
    decoder = json.JSONDecoder()
    for start, char in enumerate(text):
        if char not in "[{":
            continue
        try:
            data, _end = decoder.raw_decode(text[start:])
        except json.JSONDecodeError:
            continue
        items = data if isinstance(data, list) else [data]
        return [item for item in items if isinstance(item, dict)]
    return []


def main() -> None:
    """`python -m tests.fakes.gemini_server [--port N]`: serve until Ctrl-C, for manual runs such
    as `GEMINI_BASE_URL=<url> GOOGLE_API_KEY=test-key manage.py evaluate --backend gemini`."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="test-key")
    args = parser.parse_args()
    fake = FakeGemini(api_key=args.api_key)
    fake.start(port=args.port)
    print(f"Fake Gemini at {fake.url} (API key {args.api_key!r}); Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
