"""gunicorn's settings for the web process (read from the working directory at start).

The command line (Dockerfile, Procfile) still sets bind, workers and timeout. This file sets
the HTTP parsing limits and makes gunicorn's own error answers JSON: gunicorn refuses an
oversized request line (414) or header (431) before Django sees the request, with an HTML
body, while every error under /api/ and /auth/ must be JSON (issue 11). The request line is
what could not be read, so the path is unknown and every such answer is JSON.
"""

from __future__ import annotations

import json
import socket

import gunicorn.util

# gunicorn's maximum; its default (4094) refused ordinary long filter URLs.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Django is not loaded in gunicorn's master, so these few texts cannot go through gettext.
_MESSAGES = {
    400: "Requisição HTTP malformada.",
    403: "Requisição recusada.",
    414: "A linha de requisição (método e URL) passa do tamanho máximo de %d bytes.",
    417: "Expectativa não atendida.",
    431: "Os cabeçalhos da requisição passam do tamanho máximo.",
    500: "Erro interno do servidor.",
    501: "Codificação de transferência não suportada.",
}


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn.util.write_error's signature and job, answering `{"erro": …}` instead of HTML."""
    message = _MESSAGES.get(status_int, _MESSAGES[400])
    if status_int == 414:
        message %= limit_request_line
    body = json.dumps({"erro": message}, ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + body)


# The workers call `util.write_error` through the module, so replacing it here (in the master,
# before they fork) covers every worker class.
gunicorn.util.write_error = write_json_error
