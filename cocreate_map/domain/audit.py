"""An append-only, hash-chained log (pure).

Each entry's hash is ``sha256(prev_hash + canonical JSON of the entry body)``; the first entry's
``prev_hash`` is :data:`GENESIS`. Editing any entry breaks its own hash; deleting an entry breaks
the next entry's ``prev_hash`` (and its ``seq``). Deleting the *newest* entries cannot be seen from
the log alone: compare the head hash with the one printed on the last public notice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical_json(body: Mapping[str, Any]) -> str:
    """Key-sorted, compact, UTF-8 JSON: the same entry always gives the same text."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """``body`` holds everything that is hashed (seq, time, actor, action, payload)."""

    body: Mapping[str, Any]
    prev_hash: str
    hash: str


def append(chain: Sequence[Entry], body: Mapping[str, Any]) -> Entry:
    prev = chain[-1].hash if chain else GENESIS
    return Entry(dict(body), prev, entry_hash(prev, body))


def verify(entries: Sequence[Entry]) -> int | None:
    """Index of the first entry that does not fit the chain, or ``None`` when all fit."""
    prev = GENESIS
    for i, e in enumerate(entries):
        if e.prev_hash != prev or entry_hash(e.prev_hash, e.body) != e.hash:
            return i
        seq = e.body.get("seq")
        if seq is not None and seq != i + 1:
            return i
        prev = e.hash
    return None
