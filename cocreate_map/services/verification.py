"""``cocreate audit verify``: every community's hash chain, its signed checkpoints and heads,
and every aggregate's rows against the log entries that made them.

Each aggregate registers its own reconciliation with ``services.audit.register_check``; this module
imports them all, so a verification never runs with a check missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cocreate_map.domain import audit as audit_domain
from cocreate_map.services import audit, audit_checks, funds, marks
from cocreate_map.services.audit import audit_entries, chain_of
from cocreate_map.storage import repositories as repo

#: the modules whose reconciliations ``verify_audit`` runs (imported for their registration)
CHECKED_BY = (audit_checks, marks, funds)


@dataclass
class AuditReport:
    community: str
    entries: int
    ok: bool
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)
    head: str = audit_domain.GENESIS


def verify_audit(
    session: Session, slug: str | None = None, head: str | None = None
) -> list[AuditReport]:
    """Check every community's chain (or one): the hashes, the signed checkpoints and heads
    (``head``: one printed on a public notice), and every aggregate's rows against the log
    entries that made them (the checks of :data:`CHECKED_BY`)."""
    communities = (
        [repo.community_by_slug(session, slug)] if slug else list(repo.all_communities(session))
    )
    reports = []
    for c in communities:
        rows = audit_entries(session, c.id)
        chain = chain_of(rows, c.chain_id)
        bad = audit_domain.verify(chain)
        rep = AuditReport(
            c.slug, len(rows), bad is None, head=rows[-1].hash if rows else audit_domain.GENESIS
        )
        if bad is not None:
            r = rows[bad]
            expected = bad + 1
            if r.seq != expected:
                rep.problems.append(
                    f"entry {expected - 1}→{r.seq}: {r.seq - expected} entr(y/ies) missing before seq {r.seq} (deleted)"
                )
            else:
                rep.problems.append(
                    f"entry seq {r.seq} ({r.action}, {r.at}) does not match its hash: edited, or the entry before it was deleted"
                )
            rep.first_bad_seq = r.seq
        rep.problems.extend(audit.verify_anchors(session, c.id, c.chain_id, rows, head))
        for check in audit.CHECKS.values():
            rep.problems.extend(check(session, c.id, rows))
        rep.ok = not rep.problems
        reports.append(rep)
    return reports
