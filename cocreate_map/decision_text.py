"""The headline of a ballot result in the reader's language: the outcome that binds first.

One wording for the results page, the projector, the 公示 PDF and the CLI (issue 17): for a
matter the law reserves, "依法未通过 — 参与面积 58.3 % < 66.7 %", and the community's own rule
beside it as its consultation ("协商意见：赞成 4/5"); a tie says 平票 and how it was broken.
Display only: every decision is made with exact fractions in ``domain/voting.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from cocreate_map.domain.voting import Check, Decision, Reason, Tie, percent
from cocreate_map.i18n import translate


def check_text(lang: str, ch: Check) -> str:
    """'参与面积 58.3 % < 66.7 %' / 'participation by area 58.3 % < 66.7 %'."""
    d = 1
    while d < 6 and ch.ratio != ch.threshold and percent(ch.ratio, d) == percent(ch.threshold, d):
        d += 1
    if ch.met:
        op = ">" if ch.ratio > ch.threshold else "≥"
    else:
        op = "<" if ch.ratio < ch.threshold else "="
    name = translate(lang, f"decision.check.{ch.code}")
    return f"{name} {percent(ch.ratio, d)} % {op} {percent(ch.threshold, d)} %"


def tie_text(lang: str, tie: Tie, label: Callable[[str], str] = str) -> str:
    """'平票：A、B 各 4 户 — 无胜出，需第二轮表决' and the like."""
    sep = "、" if lang == "zh" else ", "
    names = sep.join(label(c) for c in tie.choices)
    if tie.eliminated:
        head = translate(
            lang, "decision.tie_last", choices=names, n=tie.households, round=tie.round
        )
    else:
        head = translate(lang, "decision.tie", choices=names, n=tie.households)
    if tie.decided is not None:
        key = "decision.tie_by_area_out" if tie.eliminated else "decision.tie_by_area"
        return head + " — " + translate(lang, key, choice=label(tie.decided))
    return head + " — " + translate(lang, f"decision.tie_way.{tie.tie_break}")


def headline(
    lang: str, d: Decision, label: Callable[[str], str] = str, *, running: bool = False
) -> str:
    """The binding outcome with its first reason, e.g. '依法未通过 — 参与面积 58.3 % < 66.7 %'.
    ``running``: the count of a ballot still open, worded as where it stands now ('尚未达到 —
    …'), never as passed or not passed."""
    head = translate(lang, f"decision.{d.basis}.{d.outcome}" + (".so_far" if running else ""))
    if d.winner is not None and d.binding.kind != "yes-no":
        key = "results.leader" if running else "results.winner"
        head += " · " + translate(lang, key, choice=label(d.winner))
    b = d.binding
    if d.tie_headline and b.tie is not None:
        return head + " — " + tie_text(lang, b.tie, label)
    if d.missed:
        return head + " — " + check_text(lang, d.missed[0])
    return head


def consultation_text(lang: str, d: Decision) -> str | None:
    """'协商意见（共同缔造 2/3）：赞成 4/5 — 达到' when the local rule is not the binding one."""
    c = d.consultation
    if c is None:
        return None
    return translate(
        lang,
        "decision.consultation",
        rule=translate(lang, f"decision.rule.{d.local.rule}"),
        yes=f"{c.numerator}",
        of=f"{c.denominator}",
        pct=percent(c.ratio),
        met=translate(lang, "decision.local_met" if d.local_passed else "decision.local_not_met"),
    )


def tie_break_text(lang: str, tie_break: str) -> str:
    return translate(lang, f"decision.tie_break.{tie_break}")


def reason_text(lang: str, reason: Reason) -> str:
    """One line of the calculation notes in ``lang`` from its code and values (English text of
    the domain when the code has no translation)."""
    v = dict(reason.values)
    code = reason.code
    if "check" in v and code.endswith(("_met", "_not_met")):
        ratio, threshold = Fraction(str(v["ratio"])), Fraction(str(v["threshold"]))
        unit = " m²" if v.get("measure") == "area" else ""
        op = str(v["comparison"])
        return translate(
            lang,
            "decision.reason.check_met" if v["met"] else "decision.reason.check_not_met",
            name=translate(lang, f"decision.check.{v['check']}"),
            ratio=percent(ratio),
            op=op,
            threshold=percent(threshold),
            num=_short(Fraction(str(v["numerator"]))),
            den=_short(Fraction(str(v["denominator"]))) + unit,
        )
    key = f"decision.reason.{code}"
    if translate(lang, key) == key:
        return reason.text
    if code.startswith("outcome_"):
        leader = v.get("leader")
        v["leader"] = (
            translate(lang, "decision.reason.the_proposal")
            if leader == "yes"
            else (leader if leader is not None else translate(lang, "decision.reason.no_choice"))
        )
        v["rule"] = translate(lang, f"decision.rule.{v.get('rule')}")
    if "tie_break" in v:
        v["way"] = (
            translate(lang, "decision.tie_by_area", choice=v["decided"])
            if v.get("decided") is not None
            else translate(lang, f"decision.tie_way.{v['tie_break']}")
        )
    return translate(lang, key, **v)


def _short(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    for d in range(1, 5):
        scaled = x * 10**d
        if scaled.denominator == 1:
            n = abs(scaled.numerator)
            return f"{'-' if x < 0 else ''}{n // 10**d}.{n % 10**d:0{d}d}"
    return str(x)
