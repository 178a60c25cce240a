"""Server-side ids have the seed 004 forms; mids sort by time."""

from apps.core import ids


def test_ids_have_the_seed_forms():
    assert ids.is_staff_id(ids.new_staff_id()) and len(ids.new_staff_id()) == 19
    assert ids.is_visitor_id(ids.new_visitor_id()) and len(ids.new_visitor_id()) == 23
    assert ids.is_chat_id(ids.new_chat_id()) and len(ids.new_chat_id()) == 25
    vid = ids.new_visitor_id()
    tid = ids.new_track_id(vid)
    assert len(tid) == 53 and tid[14:37] == vid and ids.is_track_id(tid)


def test_mids_are_xids_unique_and_time_sortable():
    mids = [ids.new_mid() for _ in range(1000)]
    assert len(set(mids)) == 1000 and all(ids.is_mid(m) for m in mids)
    assert mids == sorted(mids)  # one process, one second or later: counter keeps order


def test_chat_ids_start_with_their_second_so_newer_chats_sort_later(monkeypatch):
    monkeypatch.setattr(ids.time, "time", lambda: 1_700_000_000.5)
    earlier = [ids.new_chat_id() for _ in range(50)]
    monkeypatch.setattr(ids.time, "time", lambda: 1_700_000_001.0)
    later = ids.new_chat_id()
    assert all(ids.is_chat_id(c) for c in [*earlier, later])
    assert {c[:7] for c in earlier} == {"0s44we8"}  # 1,700,000,000 in base 36
    assert all(c < later for c in earlier)
    assert len({c[7:] for c in earlier}) == 50  # the rest is random


def test_malformed_ids_are_refused():
    for bad in ("", "abc", "x" * 24, None, 123, "É" * 23, "a-b" * 8):
        assert not ids.is_visitor_id(bad) and not ids.is_chat_id(bad) and not ids.is_mid(bad)
