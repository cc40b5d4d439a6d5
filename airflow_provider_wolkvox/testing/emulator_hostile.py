"""The emulator's hostile answers: what a server, or something on the network path, may send.

Not the vendor's documented behaviour but the untrusted-input model the provider is held to
(the GUIDE: "the server is untrusted input"): a redirect to another origin, an error that echoes
the token, an answer dripped a byte at a time, a gzip bomb. Standard library only.
"""

from __future__ import annotations

import functools
import threading
import zlib
from collections.abc import Callable

HOSTILE_KINDS = ("redirect", "echo_token", "drip", "gzip_bomb")
"""Hostile kinds :meth:`WolkvoxEmulator.set_faults` accepts besides the vendor-like ones."""

DEFAULT_DRIP_INTERVAL = 0.2
DEFAULT_BOMB_BYTES = 2 * 1024**3
_BOMB_MEMBER = 64 * 1024**2


def echo_message(token: str) -> str:
    """An error text that quotes the token sent, as a careless server would."""
    return f"SOME PARAMETERS ARE REQUIRED (wolkvox-token {token} was received)"


@functools.lru_cache(maxsize=4)
def gzip_bomb(expanded: int = DEFAULT_BOMB_BYTES) -> bytes:
    """A gzip body that inflates to ``expanded`` bytes of zeros (rounded up to 64 MiB): members
    of 64 MiB, about 64 KiB each, one after another, as gzip allows and decoders read them."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    member = compressor.compress(bytes(_BOMB_MEMBER)) + compressor.flush()
    return member * -(-expanded // _BOMB_MEMBER)


def drip(write: Callable[[bytes], object], body: bytes, interval: float, stopping: threading.Event) -> None:
    """Write ``body`` one byte every ``interval`` seconds, until it is all sent, the client hangs
    up (the write raises OSError) or the emulator stops."""
    for i in range(len(body)):
        write(body[i : i + 1])
        if stopping.wait(interval):
            return
