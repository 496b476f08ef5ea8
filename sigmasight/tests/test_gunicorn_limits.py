"""gunicorn's request limits (gunicorn.conf.py): what a client sees from a real gunicorn.

An over-long request line and too many headers are refused by gunicorn itself (414 and 431, its own
HTML, before the app: documented in docs/api-conventions.md); a long line inside the limit reaches
the app, which answers its JSON envelope.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def gunicorn_port() -> Iterator[int]:
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sigmasight.settings.test"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sigmasight.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,  # gunicorn reads ./gunicorn.conf.py from here, as in production
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until a worker answers (booted: Django loaded)
            try:
                if _raw(port, _get("/api/v1/nowhere")).startswith(b"HTTP/1.1 404"):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("gunicorn did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(path: str, extra_headers: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra_headers}\r\n".encode()


def test_a_request_line_over_the_limit_is_gunicorns_414(gunicorn_port) -> None:
    response = _raw(gunicorn_port, _get("/api/v1/nowhere?q=" + "a" * 9000))
    assert response.startswith(b"HTTP/1.1 414 "), response[:200]


def test_too_many_headers_are_gunicorns_431(gunicorn_port) -> None:
    headers = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(120))
    response = _raw(gunicorn_port, _get("/api/v1/nowhere", headers))
    assert response.startswith(b"HTTP/1.1 431 "), response[:200]


def test_a_long_line_inside_the_limit_reaches_the_apps_envelope(gunicorn_port) -> None:
    response = _raw(gunicorn_port, _get("/api/v1/nowhere?q=" + "a" * 7500))
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404 "), head[:200]
    assert b"application/json" in head and re.search(rb'"code": ?"NOT_FOUND"', body), response[:300]


def test_a_bad_host_through_gunicorn_is_the_envelope(gunicorn_port) -> None:
    request = b"GET /api/v1/auth/me HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    head, _, body = _raw(gunicorn_port, request).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), head[:200]
    assert re.search(rb'"code": ?"VALIDATION_ERROR"', body), body[:300]
