"""A file's result as a record: field by field, equal to ``dataclasses.asdict``'s form, and
as the state file stores it."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dlp.export.result import FileResult

FINDING = st.fixed_dictionaries(
    {
        "location": st.text(max_size=20),
        "entity_type": st.sampled_from(["STUDENT_ID", "PHONE_NUMBER", "US_SSN"]),
        "clauses": st.lists(st.sampled_from(["L.3.a", "F.1"]), max_size=2),
        "masked": st.text(max_size=10),
        "score": st.floats(0, 1),
        "digest": st.text("0123456789abcdef", min_size=32, max_size=32),
    }
)
COUNTS = st.dictionaries(st.sampled_from(["STUDENT_ID", "US_SSN", "EMAIL"]), st.integers(0, 999))


def old_form(result: FileResult) -> dict[str, Any]:
    record = dataclasses.asdict(result)
    record["kind"] = "file"
    record["shared_with"] = list(result.shared_with)
    record["findings"] = list(result.findings)
    record["unscannable"] = list(result.unscannable)
    return record


@given(
    st.lists(FINDING, max_size=4),
    COUNTS,
    st.lists(st.emails(), max_size=3),
    st.booleans(),
)
def test_record_equals_asdict_form(findings, counts, shared, truncated):
    result = FileResult(
        key="k",
        drive_key="d",
        location="export_0.zip / a / b.csv",
        folder="a",
        size=10,
        mtime=1.5,
        content_hash="h",
        owner="o@cusd.com",
        shared_with=tuple(shared),
        exposure="internal",
        status="findings",
        counts=counts,
        categories={"IDENTIFIER": 1},
        findings=tuple(findings),
        findings_total=len(findings),
        unscannable=({"kind": "unscannable", "reason": "corrupt"},),
        truncated=truncated,
    )
    record = result.to_dict()
    assert record == old_form(result) and list(record) == list(old_form(result))
    assert result.to_json() == json.dumps(old_form(result), ensure_ascii=False, sort_keys=True)
    record["counts"]["X"] = 1  # the record is the caller's: the result stays as it was
    assert "X" not in result.counts
    assert FileResult.from_json(result.to_json()) == result
    # The reports write a result's stored text as it is, where they wrote the decoded
    # result encoded again: the two are one text.
    stored = result.stored()
    assert stored.text == FileResult.from_json(stored.text).to_json() == result.to_json()
    assert stored[:5] == (result.key, result.drive_key, result.size, result.mtime, "h")
