"""Properties of the funds ledger (domain/funds.py): exact money, reversals, approvals, shares."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cocreate_map.domain import funds as f
from cocreate_map.errors import InvalidInput, InvalidTransition, PermissionDenied

ACCOUNTS = ("自治公益金", "维修资金")
STAFF = ("wang", "li", "zhao")

amounts = st.integers(min_value=1, max_value=10_000_000)


@st.composite
def ledgers(draw: st.DrawFn) -> list[f.LedgerEntry]:
    """A ledger of income then expenses (some approved by another account) and reversals."""
    entries: list[f.LedgerEntry] = []
    n_income = draw(st.integers(1, 8))
    for _ in range(n_income):
        entries.append(
            f.LedgerEntry(
                len(entries) + 1,
                draw(st.sampled_from(ACCOUNTS)),
                draw(st.sampled_from(f.INCOME_KINDS)),
                draw(amounts),
                draw(st.sampled_from(STAFF)),
            )
        )
    for _ in range(draw(st.integers(0, 8))):
        by = draw(st.sampled_from(STAFF))
        approved = draw(st.booleans())
        entries.append(
            f.LedgerEntry(
                len(entries) + 1,
                draw(st.sampled_from(ACCOUNTS)),
                f.Kind.EXPENSE,
                draw(amounts),
                by,
                approved_by=draw(st.sampled_from([s for s in STAFF if s != by]))
                if approved
                else None,
                work_id=draw(st.integers(1, 3)),
            )
        )
    targets = draw(st.lists(st.sampled_from([e.id for e in entries]), unique=True, max_size=4))
    for t in targets:
        orig = entries[t - 1]
        entries.append(
            f.LedgerEntry(
                len(entries) + 1, orig.account, orig.kind, orig.amount_fen, "li", reverses=t
            )
        )
    return entries


def naive_balance(entries: list[f.LedgerEntry]) -> int:
    """The rule written out the long way: income − approved expenses, reversed pairs removed."""
    gone = {e.reverses for e in entries if e.reverses is not None}
    total = 0
    for e in entries:
        if e.reverses is not None or e.id in gone:
            continue
        if e.kind in f.INCOME_KINDS:
            total += e.amount_fen
        elif e.approved_by is not None:
            total -= e.amount_fen
    return total


@given(ledgers())
def test_balance_is_income_minus_approved_expenses(entries):
    t = f.totals(entries)
    assert t.balance == naive_balance(entries)
    assert t.balance == sum(f.balance(entries, a) for a in ACCOUNTS)
    assert t.income - t.expense == t.balance
    assert t.interest <= t.income


@given(ledgers())
def test_an_entry_and_its_reversal_net_to_zero(entries):
    pairs = [(e.reverses, e.id) for e in entries if e.reverses is not None]
    drop = {i for pair in pairs for i in pair}
    kept = [e for e in entries if e.id not in drop]
    assert f.balance(entries) == f.balance(kept)
    by_id = {e.id: e for e in entries}
    for orig, rev in pairs:
        assert f.effect_fen(by_id[orig], by_id) + f.effect_fen(by_id[rev], by_id) == 0


@given(ledgers(), st.randoms(use_true_random=False))
def test_order_of_approval_never_changes_the_balance(entries, rnd):
    """With enough money in each account, approving the pending expenses one by one in any
    order always succeeds and ends at the same balance."""
    big = sum(e.amount_fen for e in entries)
    base = [
        f.LedgerEntry(len(entries) + 1 + i, a, f.Kind.CONTRIBUTION, big, "zhao")
        for i, a in enumerate(ACCOUNTS)
    ]
    entries = entries + base
    gone = f.reversed_ids(entries)
    ids = [
        e.id
        for e in entries
        if e.kind is f.Kind.EXPENSE
        and e.reverses is None
        and e.approved_by is None
        and e.id not in gone
    ]
    balances = set()
    for _ in range(3):
        order = ids[:]
        rnd.shuffle(order)
        state = {e.id: e for e in entries}
        for i in order:
            e = state[i]
            approver = next(s for s in STAFF if s != e.recorded_by)
            f.check_approve(e, approver, list(state.values()))
            state[i] = f.LedgerEntry(
                e.id,
                e.account,
                e.kind,
                e.amount_fen,
                e.recorded_by,
                approver,
                e.reverses,
                e.work_id,
            )
        balances.add(f.balance(list(state.values())))
        assert f.totals(list(state.values())).pending == 0
    assert len(balances) == 1


@given(ledgers())
def test_approved_expenses_never_overdraw_when_approved_through_the_rules(entries):
    state: list[f.LedgerEntry] = []
    for e in entries:
        if e.kind is f.Kind.EXPENSE and e.approved_by is not None:
            pending = f.LedgerEntry(
                e.id, e.account, e.kind, e.amount_fen, e.recorded_by, work_id=e.work_id
            )
            state.append(pending)
            try:
                f.check_approve(pending, e.approved_by, state)
            except InvalidTransition:
                continue
            state[-1] = e
        elif e.reverses is not None:
            by_id = {s.id: s for s in state}
            if e.reverses not in by_id:
                continue
            try:
                f.check_reverse(by_id[e.reverses], state)
            except InvalidTransition:
                continue
            state.append(e)
        else:
            state.append(e)
        for a in ACCOUNTS:
            assert f.balance(state, a) >= 0


@given(
    st.integers(0, 10**9),
    st.lists(st.fractions(min_value=Fraction(1, 100), max_value=500), min_size=1, max_size=40),
)
def test_shares_are_fen_exact_and_sum_to_the_total(total, areas):
    weights = {i: a for i, a in enumerate(areas)}
    shares = f.largest_remainder(total, weights)
    assert sum(shares.values()) == total
    s = sum(areas)
    for i, a in weights.items():
        exact = Fraction(total) * a / s
        assert abs(shares[i] - exact) < 1  # never more than one fen from the exact share


@given(st.integers(0, 10**7), st.lists(st.integers(1, 200), min_size=1, max_size=30))
def test_equal_areas_give_shares_at_most_one_fen_apart(total, _):
    shares = f.shares_equal(total, list(range(len(_))))
    assert max(shares.values()) - min(shares.values()) <= 1
    assert sum(shares.values()) == total


def test_r10_example_from_domain():
    """DOMAIN.md R10: ¥96 000 over 9 600 m² is ¥10/m²; a 64 m² flat pays ¥640."""
    areas = {"64": "64"} | {f"h{i}": "100" for i in range(95)} | {"rest": "36"}
    shares = f.shares_by_area(9_600_000, areas)
    assert shares["64"] == 64_000
    assert sum(shares.values()) == 9_600_000


@given(st.integers(1, f.MAX_AMOUNT_FEN))
def test_yuan_text_round_trips_exactly(fen):
    assert f.parse_yuan(f.yuan_plain(fen)) == fen
    assert f.parse_yuan(f.yuan_text(fen)) == fen


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3))
def test_over_precise_amounts_are_refused(d):
    if (d * 100) % 1 != 0:
        with pytest.raises(InvalidInput):
            f.parse_yuan(str(d))
    else:
        assert f.parse_yuan(str(d)) == int(d * 100)


@pytest.mark.parametrize("bad", ["-5", "0", "0.00", "abc", "NaN", "Infinity", "1e400", ""])
def test_bad_amounts_are_refused_with_a_message(bad):
    with pytest.raises(InvalidInput) as exc:
        f.parse_yuan(bad)
    assert exc.value.key and exc.value.key.startswith("funds.amount")
    assert exc.value.render("zh") != exc.value.render("en")


def test_self_approval_and_approving_twice_are_refused():
    income = f.LedgerEntry(1, "a", f.Kind.DONATION, 10_000, "wang")
    expense = f.LedgerEntry(2, "a", f.Kind.EXPENSE, 5_000, "wang", work_id=1)
    with pytest.raises(PermissionDenied):
        f.check_approve(expense, "wang", [income, expense])
    f.check_approve(expense, "li", [income, expense])
    done = f.LedgerEntry(2, "a", f.Kind.EXPENSE, 5_000, "wang", approved_by="li", work_id=1)
    with pytest.raises(InvalidTransition):
        f.check_approve(done, "zhao", [income, done])


def test_reversing_a_reversal_is_refused():
    income = f.LedgerEntry(1, "a", f.Kind.DONATION, 10_000, "wang")
    rev = f.LedgerEntry(2, "a", f.Kind.DONATION, 10_000, "li", reverses=1)
    with pytest.raises(InvalidTransition) as exc:
        f.check_reverse(rev, [income, rev])
    assert exc.value.key == "funds.reverse_reversal"
    with pytest.raises(InvalidTransition):
        f.check_reverse(income, [income, rev])


def test_an_expense_needs_a_work():
    with pytest.raises(InvalidInput):
        f.check_new_entry(f.Kind.EXPENSE, None, f.DonorType.ANONYMOUS)


def test_pending_expenses_do_not_count_and_reversed_ones_are_not_pending():
    income = f.LedgerEntry(1, "a", f.Kind.DONATION, 10_000, "wang")
    e1 = f.LedgerEntry(2, "a", f.Kind.EXPENSE, 3_000, "wang", work_id=1)
    e2 = f.LedgerEntry(3, "a", f.Kind.EXPENSE, 2_000, "wang", work_id=1)
    rev = f.LedgerEntry(4, "a", f.Kind.EXPENSE, 2_000, "wang", reverses=3)
    t = f.totals([income, e1, e2, rev])
    assert (t.balance, t.pending, t.pending_fen) == (10_000, 1, 3_000)
    assert f.spent_on_work([income, e1, e2, rev], 1) == 0


def test_consent_decides_who_is_named():
    ds = [
        f.Donation(1, f.DonorType.NAMED, "杨继安", 1_500_000, True, "杨继安"),
        f.Donation(2, f.DonorType.HOUSEHOLD, "7", 20_000, False, "1-1-101"),
        f.Donation(3, f.DonorType.HOUSEHOLD, "8", 30_000, False, "1-1-102"),
        f.Donation(4, f.DonorType.HOUSEHOLD, "8", 10_000, False, "1-1-102"),
        f.Donation(5, f.DonorType.HOUSEHOLD, "9", 5_000, True, "2-1-301"),
        f.Donation(6, f.DonorType.ANONYMOUS, "", 800, False, ""),
    ]
    p = f.public_donors(ds)
    assert p.named == (("杨继安", 1_500_000), ("2-1-301", 5_000))
    assert (p.hidden_households, p.hidden_households_fen) == (2, 60_000)
    assert (p.other_hidden, p.other_hidden_fen) == (1, 800)
    assert (p.households, p.named_donors, p.anonymous) == (3, 1, 1)


@given(st.integers(1, 96), st.integers(0, 100_000))
def test_labour_value_is_exact_to_the_fen(quarters, rate):
    v = f.labour_value_fen(quarters, rate)
    assert abs(Fraction(v) - Fraction(quarters * rate, 4)) <= Fraction(1, 2)
    assert f.parse_hours(f.hours_text(quarters)) == quarters


@pytest.mark.parametrize("bad", ["0", "-1", "0.1", "25", "x", "NaN"])
def test_bad_hours_are_refused(bad):
    with pytest.raises(InvalidInput):
        f.parse_hours(bad)


def test_random_ledgers_sum_exactly():
    rnd = random.Random(3)
    entries = [
        f.LedgerEntry(i + 1, "a", f.Kind.DONATION, rnd.randint(1, 10**6), "w") for i in range(1000)
    ]
    assert f.totals(entries).income == sum(e.amount_fen for e in entries)


@given(ledgers())
def test_grouped_buckets_give_the_same_totals_as_the_entries(entries):
    """What the database folds with GROUP BY gives the same totals as entry by entry."""
    buckets = f.buckets_of(entries)
    assert f.totals_of_buckets(buckets) == f.totals(entries)
    for a in ACCOUNTS:
        assert f.totals_of_buckets(buckets, a) == f.totals(entries, a)
    for w in (1, 2, 3):
        assert f.spent_by_work(buckets).get(w, 0) == f.spent_on_work(entries, w)
    assert sum(f.income_by_kind(buckets).values()) == f.totals(entries).income
