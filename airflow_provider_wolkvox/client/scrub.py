"""Takes a connection's secrets out of what the server sends, where its bytes enter the provider.

A server may echo the token back (in ``error`` or ``msg``, a header, a row); its text then travels
on into exceptions, log lines, lineage events, the CLI and the Wolkvox view. The hook runs every
answer body and every header it quotes through one :class:`Scrubber` before anything reads them,
so nothing downstream ever holds a secret the connection gave it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

MASK = "***"
MIN_SECRET_LENGTH = 5
"""Shorter secrets are left alone, as Airflow's secret masker leaves them: replacing every ``1234``
in an answer would hide the figures and guard nothing."""


class Scrubber:
    """Replaces each secret, as sent and as JSON escapes it (``\\/``, ``\\uXXXX``), with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) < MIN_SECRET_LENGTH:
                continue
            for text in (secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]):
                forms.update((text, text.replace("/", "\\/")))  # PHP's json_encode escapes "/"
        # Longest first: a secret that contains another is replaced whole.
        self._texts = sorted(forms, key=len, reverse=True)
        self._bytes = [text.encode() for text in self._texts]

    def body(self, body: bytes) -> bytes:
        """``body`` without any secret (the same object when it holds none)."""
        for secret in self._bytes:
            if secret in body:
                body = body.replace(secret, MASK.encode())
        return body

    def text(self, text: str) -> str:
        """``text`` without any secret."""
        for secret in self._texts:
            text = text.replace(secret, MASK)
        return text
