"""Frames exchanged between the API process and a query worker over a Unix socket pair.

A frame is one type byte, a 4-byte big-endian length and the payload. Control frames carry
JSON; data frames carry result bytes exactly as the engine serialised them, so the API process
only forwards bytes and never holds a whole result.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

REQUEST = 1  # API -> worker: JSON job
BODY = 2  # API -> worker: upload bytes of the job (Graph Store writes); empty frame ends it
HEAD = 3  # worker -> API: JSON, what the result is (kind, truncated, ...)
DATA = 4  # worker -> API: result bytes
END = 5  # worker -> API: JSON, the job finished
FAIL = 6  # worker -> API: JSON error {code, message, status}

HEADER = struct.Struct("!BI")
CHUNK = 64 * 1024


def encode(kind: int, payload: bytes) -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def encode_json(kind: int, obj: dict[str, Any]) -> bytes:
    return encode(kind, json.dumps(obj, separators=(",", ":")).encode())


def recv_exact(sock: socket.socket, n: int) -> bytes:
    """Read exactly ``n`` bytes from a blocking socket; EOFError when the peer is gone."""
    buf = bytearray()
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            raise EOFError("peer closed the socket")
        buf += part
    return bytes(buf)


def recv_frame(sock: socket.socket) -> tuple[int, bytes]:
    kind, length = HEADER.unpack(recv_exact(sock, HEADER.size))
    return kind, recv_exact(sock, length) if length else b""
