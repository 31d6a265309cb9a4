"""Sign-in throttles (pure): how many attempts a key gets per window, and the backoff after.

A key is one client (address and browser session), one address, one typed code or one
(account, client) pair, never a whole community: a guesser locks only themself. Each lock lasts
twice the one before (``base · 2^lockouts``, at most ``max_lock``); a quiet day starts over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    limit: int  # attempts per window (the one that reaches it is the last one checked)
    window: timedelta
    base_lock: timedelta
    max_lock: timedelta
    forget_after: timedelta = timedelta(days=1)  # no lock for this long: the backoff starts over

    def lock_for(self, lockouts: int) -> timedelta:
        """The length of the next lock after ``lockouts`` earlier consecutive locks."""
        seconds = self.base_lock.total_seconds() * (2 ** min(lockouts, 20))
        return min(timedelta(seconds=seconds), self.max_lock)


@dataclass(frozen=True)
class Verdict:
    """One attempt's answer: ``allowed`` means it may be checked; ``left`` attempts remain after
    it in this window (0: this was the last, a failure now locks until ``locked_until``)."""

    allowed: bool
    left: int
    locked_until: datetime | None = None


def split_client(client: str) -> tuple[str, str]:
    """``"address|session"`` → (address, session); a plain string is an address."""
    address, _, sess = (client or "").partition("|")
    return address.strip()[:80] or "unknown", sess.strip()[:80]


def client_address(
    remote: str | None, forwarded_for: str | None, trusted_proxies: frozenset[str]
) -> str:
    """The visitor's address: the connection's, or, behind a trusted proxy, the last address in
    X-Forwarded-For that is not itself a trusted proxy."""
    remote = (remote or "").strip()
    if remote and remote in trusted_proxies and forwarded_for:
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        for hop in reversed(hops):
            if hop not in trusted_proxies:
                return hop
    return remote or "unknown"
