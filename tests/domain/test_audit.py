"""The hash chain: any single edit or deletion is detected at the right place."""

from hypothesis import given
from hypothesis import strategies as st

from cocreate_map.domain.audit import GENESIS, Entry, append, verify

payloads = st.dictionaries(
    st.sampled_from(["choice", "household", "ballot_id", "note"]),
    st.one_of(st.integers(-5, 5), st.text(max_size=5), st.lists(st.text(max_size=3), max_size=3)),
    max_size=4,
)


def build(payload_list):
    chain: list[Entry] = []
    for i, p in enumerate(payload_list):
        chain.append(append(chain, {"seq": i + 1, "action": "vote.cast", "payload": p}))
    return chain


@given(st.lists(payloads, min_size=1, max_size=12))
def test_untouched_chain_verifies(ps):
    chain = build(ps)
    assert verify(chain) is None
    assert chain[0].prev_hash == GENESIS


@given(st.lists(payloads, min_size=1, max_size=12), st.data())
def test_any_single_edit_is_detected(ps, data):
    chain = build(ps)
    i = data.draw(st.integers(0, len(chain) - 1))
    e = chain[i]
    edited = dict(e.body)
    edited["payload"] = {**e.body["payload"], "tampered": data.draw(st.integers())}
    chain[i] = Entry(edited, e.prev_hash, e.hash)
    assert verify(chain) == i


@given(st.lists(payloads, min_size=2, max_size=12), st.data())
def test_any_single_deletion_but_the_last_is_detected(ps, data):
    chain = build(ps)
    i = data.draw(st.integers(0, len(chain) - 2))
    del chain[i]
    assert verify(chain) == i


def test_rehashing_an_edit_still_breaks_the_next_link():
    chain = build([{"choice": "yes"}, {"choice": "no"}, {"choice": "yes"}])
    forged = append(chain[:1], {**chain[1].body, "payload": {"choice": "yes"}})
    chain[1] = forged
    assert verify(chain) == 2
