"""Watermarks under any sequence of writes: each read returns exactly what was written since the last one."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphsync.connectors.nav import NavKey, NavTable, Watermark
from graphsync.nav.embedded import EmbeddedNav

CONTACT = NavTable.CONTACT
FREE = [("CT100005",), ("CT100001",), ("CT100002",)]  # demo contacts whose changes touch no others

operations = st.lists(
    st.one_of(
        st.tuples(st.just("modify"), st.sampled_from(FREE), st.text("abcxyz ", max_size=10)),
        st.tuples(st.just("insert"), st.just(("",)), st.text("abcxyz", min_size=1, max_size=10)),
        st.tuples(st.just("delete_new"), st.just(("",)), st.just("")),
        st.tuples(st.just("read"), st.just(("",)), st.just("")),
    ),
    max_size=25,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_each_read_returns_exactly_the_records_written_since_the_last(
    demo_template: Path, ops: list[tuple[str, NavKey, str]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nav.sqlite"
        path.write_bytes(demo_template.read_bytes())
        with EmbeddedNav(path) as nav:
            mark: Watermark | None = nav.changes(CONTACT, None).watermark
            written: set[NavKey] = set()
            deleted: set[NavKey] = set()
            inserted: list[NavKey] = []
            for op, key, text in [*ops, ("read", ("",), "")]:
                if op == "modify":
                    before = nav.get(CONTACT, key)
                    after = nav.modify(CONTACT, key, {"City": text}, if_match="*")
                    if before is not None and after.etag != before.etag:
                        written.add(key)
                elif op == "insert":
                    record = nav.insert(CONTACT, {"Type": "Company", "Name": text})
                    inserted.append(record.key)
                    written.add(record.key)
                    deleted.discard(record.key)
                elif op == "delete_new" and inserted:
                    gone = inserted.pop()
                    nav.delete(CONTACT, gone, if_match="*")
                    written.discard(gone)
                    deleted.add(gone)
                elif op == "read":
                    changes = nav.changes(CONTACT, mark)
                    assert {r.key for r in changes.records} == written
                    assert {d.key for d in changes.deletions} == deleted
                    mark, written, deleted = changes.watermark, set(), set()
