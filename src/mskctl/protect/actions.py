"""The irreversible actions: tokens (keyed HMAC-SHA-256, optionally digits for digits) and masks."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import regex
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.hmac import HMAC

TOKEN_PREFIX = "tok_"
_SEPARATORS = " -./+()"
_DIGITS_ONLY = re.compile(r"^[0-9" + re.escape(_SEPARATORS) + r"]*[0-9][0-9" + re.escape(_SEPARATORS) + r"]*$")
CONTAINER_MASK_LENGTH = 8
# A mask pattern comes from the policy's author and the text from the record: a pattern that
# backtracks catastrophically on some value ((a|aa)+$) must not stall the client. Well-behaved
# patterns take microseconds per field. The limit is wall-clock time, so it must also be far beyond
# what a loaded 2-core machine can add by descheduling the thread (at 50 ms, masks came out whole
# under load, and tests that compare masked values failed now and then).
MASK_TIMEOUT_SECONDS = 0.5


def _mac(key: HMAC, data: bytes) -> bytes:
    mac = key.copy()
    mac.update(data)
    return mac.finalize()


def token_key(secret: bytes) -> HMAC:
    """A keyed HMAC-SHA-256 to copy per value (cheaper than keying one per value)."""
    return HMAC(secret, SHA256())


def _canonical(value: Any) -> bytes:
    # "123" and 123 give the same token: a token stands for the value as people read it.
    return value.encode() if isinstance(value, str) else json.dumps(value, sort_keys=True,
                                                                     separators=(",", ":")).encode()


def tokenize(key: HMAC, value: Any, digits: bool = False, keep_last: int = 0) -> Any:
    """A stable, irreversible stand-in for ``value``.

    ``digits``: a string of digits and separators (card, phone numbers) or an integer keeps its
    shape (separators, length, sign, type) with other digits; any other value gets a plain token,
    so letters never pass through. Different values may share a digits token (it is no bijection).
    """
    if digits and (isinstance(value, int) and not isinstance(value, bool)):
        text = str(abs(value))
        token = _digit_token(key, text, keep_last)
        if len(token) > 1 and token[0] == "0":
            token = str(int(token[0]) + 1) + token[1:]  # an integer has no leading zero
        return -int(token) if value < 0 else int(token)
    if digits and isinstance(value, str) and _DIGITS_ONLY.match(value):
        return _digit_token(key, value, keep_last)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(_mac(key, b"t\x00" + _canonical(value))).decode().rstrip("=")


def _digit_token(key: HMAC, text: str, keep_last: int) -> str:
    positions = [i for i, char in enumerate(text) if char.isdigit()]
    kept = positions[len(positions) - keep_last:] if keep_last else []
    replaced = positions[:len(positions) - len(kept)]
    digits = "".join(text[i] for i in positions)
    stream = _digit_stream(key, digits.encode(), len(replaced))
    chars = list(text)
    for i, digit in zip(replaced, stream, strict=True):
        chars[i] = digit
    return "".join(chars)


def _digit_stream(key: HMAC, message: bytes, count: int) -> list[str]:
    out: list[str] = []
    block = 0
    while len(out) < count:
        for byte in _mac(key, b"d\x00" + block.to_bytes(4, "big") + message):
            if byte < 250:  # 250 = 25 * 10: no bias towards low digits
                out.append(str(byte % 10))
                if len(out) == count:
                    break
        block += 1
    return out


def mask(value: Any, keep_first: int = 0, keep_last: int = 0, pattern: regex.Pattern[str] | None = None,
         char: str = "*") -> str:
    """``value`` as a string with characters replaced by ``char``; objects and arrays wholly.

    A pattern that does not finish within ``MASK_TIMEOUT_SECONDS`` masks the whole value: the
    action fails closed, never passing the text through.
    """
    if isinstance(value, dict | list):
        return char * CONTAINER_MASK_LENGTH
    text = value if isinstance(value, str) else json.dumps(value)
    if pattern is not None:
        try:
            return pattern.sub(lambda m: char * len(m.group()), text, timeout=MASK_TIMEOUT_SECONDS)
        except TimeoutError:
            return char * len(text)
    end = max(keep_first, len(text) - keep_last)
    return text[:keep_first] + char * (end - keep_first) + text[end:]
