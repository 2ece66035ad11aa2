"""The spool: a dict and a list whose values go to a scratch file once the buffer is full."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from graphsync.engine.spool import Spool


@dataclass(frozen=True)
class Thing:
    name: str
    data: dict[str, object]


def test_map_behaves_like_a_dict_across_flushes() -> None:
    with Spool(buffer=3) as spool:
        m = spool.new_map()
        for n in range(10):
            m[f"k{n}"] = Thing(f"t{n}", {"n": n})
        assert spool.flushes >= 3
        assert len(m) == 10 and "k7" in m and "k10" not in m
        assert m["k0"] == Thing("t0", {"n": 0})  # read back from disk
        assert m.get("missing") is None and m.get("missing", Thing("d", {})) == Thing("d", {})
        with pytest.raises(KeyError):
            m["missing"]
        m["k0"] = Thing("again", {})  # replaces the copy on disk
        del m["k1"]
        assert m.pop("k2") == Thing("t2", {"n": 2})
        assert m.pop("k2", None) is None
        assert m.keys() == ["k0", *(f"k{n}" for n in range(3, 10))]
        assert dict(m.items())["k0"] == Thing("again", {})
        assert [t.name for t in m.values()] == ["again", *(f"t{n}" for n in range(3, 10))]
        m.clear()
        assert len(m) == 0 and list(m.items()) == []


def test_map_items_skip_keys_deleted_while_iterating_and_see_values_put_meanwhile() -> None:
    with Spool(buffer=2) as spool:
        m = spool.new_map()
        for n in range(6):
            m[str(n)] = n
        seen = []
        for key, value in m.items():
            seen.append((key, value))
            m.pop("5")
        assert seen == [(str(n), n) for n in range(5)]


def test_get_many_reads_values_from_buffer_and_disk_and_leaves_out_absent_keys() -> None:
    with Spool(buffer=3) as spool:
        m = spool.new_map()
        for n in range(8):
            m[str(n)] = n
        m["0"] = 100  # the buffer's value wins over the older copy on disk
        del m["1"]  # gone, though a copy is still on disk
        assert spool.flushes >= 2
        assert m.get_many(["0", "1", "2", "7", "missing", "2"]) == {"0": 100, "2": 2, "7": 7}
        assert m.get_many(str(n) for n in range(8)) == {str(n): n for n in range(8) if n != 1} | {"0": 100}
        assert m.get_many([]) == {}


def test_list_keeps_order_across_flushes_and_appends_while_iterating() -> None:
    with Spool(buffer=4) as spool:
        items = spool.new_list()
        items.extend(range(10))
        assert len(items) == 10 and bool(items)
        assert list(items) == list(range(10))
        assert [len(c) for c in items.chunks(4)] == [4, 4, 2]
        seen = []
        for value in items:
            seen.append(value)
            if value == 9:
                items.append(10)  # seen by the same iteration, as with a list
        assert seen == list(range(11))


def test_encode_and_decode_keep_shared_objects_out_of_the_file() -> None:
    shared = {"big": "binding"}
    with Spool(buffer=1) as spool:
        items = spool.new_list(encode=lambda t: t[1], decode=lambda v: (shared, v))
        items.append((shared, 1))
        items.append((shared, 2))
        back = list(items)
        assert back == [(shared, 1), (shared, 2)] and back[0][0] is shared


def test_a_small_run_never_opens_a_file_and_a_closed_spool_leaves_nothing(tmp_path: object) -> None:
    directory = str(tmp_path)
    with Spool(buffer=100, directory=directory) as spool:
        m = spool.new_map()
        m["a"] = 1
        assert spool.flushes == 0 and os.listdir(directory) == []
    with Spool(buffer=1, directory=directory) as spool:
        m = spool.new_map()
        m["a"], m["b"] = 1, 2
        assert spool.flushes >= 1
        assert os.listdir(directory) == []  # unlinked while open: nothing left even after kill -9
        assert m["a"] == 1


def test_dropping_a_collection_frees_its_buffer() -> None:
    with Spool(buffer=3) as spool:
        first = spool.new_list()
        first.extend([1, 2])
        spool.drop(first)
        second = spool.new_list()
        second.extend([3, 4])
        assert spool.flushes == 0  # the dropped list's two values no longer count
        assert list(second) == [3, 4]


def test_a_buffer_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Spool(buffer=0)


def test_values_read_together_come_back_right_whatever_their_order_and_size() -> None:
    # Values of very different sizes (some larger than the gap a read may span), spread over many flushes
    # and replaced in between, read back in shuffled chunks: each key gets its own latest value.
    import random

    rng = random.Random(7)
    expected = {f"k{n}": "x" * rng.choice((1, 50, 20_000, 70_000)) + str(n) for n in range(300)}
    with Spool(buffer=17) as spool:
        m = spool.new_map()
        listed = spool.new_list()
        originals = list(expected.values())
        for key, value in expected.items():
            m[key] = value
            listed.append(value)
        for key in list(expected)[::7]:
            expected[key] = m[key] = f"replaced {key}"
        keys = list(expected)
        rng.shuffle(keys)
        for start in range(0, len(keys), 40):
            chunk = keys[start : start + 40]
            assert m.get_many(chunk) == {key: expected[key] for key in chunk}
        assert list(listed) == originals
        assert spool.flushes > 10


def test_the_file_is_emptied_once_nothing_in_it_is_wanted() -> None:
    with Spool(buffer=2) as spool:
        m = spool.new_map()
        for round_ in range(3):  # a delta round started over: the map is cleared and filled again
            m.clear()
            for n in range(10):
                m[str(n)] = f"round {round_} value {n}" * 50
        assert spool._file is not None and spool._file.size > 0
        kept = spool.new_list()
        kept.extend(["kept"] * 5)
        m.clear()
        assert spool._file.size > 0  # the list still has values in the file
        assert list(kept) == ["kept"] * 5
        spool.drop(kept)
        assert spool._file.size == 0
        m["again"] = "value"
        m["more"] = "value"
        assert m.get_many(["again", "more"]) == {"again": "value", "more": "value"}


def test_a_value_larger_than_the_spool_holds_is_refused() -> None:
    from graphsync.engine.spool import _place

    with pytest.raises(ValueError, match="4 GiB"):
        _place(0, 1 << 32)
