"""The fast canonical encoder gives exactly ``rfc8785.dumps``'s bytes, and refuses what it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import SchemaViolation
from ledger.log.canonical import canonical_bytes, parse_canonical

_SAFE = 2**53 - 1
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-_SAFE, _SAFE)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(st.integers(-_SAFE, _SAFE), max_size=20)
        | st.dictionaries(st.text(), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values)
def test_same_bytes_as_rfc8785(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(SchemaViolation):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected


def test_readings_values_list() -> None:
    payload: dict[str, Any] = {
        "values": list(range(0, 3000, 7)),
        "meter": "M-1",
        "start": "2026-01-01T00:00:00Z",
    }
    assert canonical_bytes(payload) == rfc8785.dumps(payload)
    assert parse_canonical(canonical_bytes(payload).decode()) == payload


@pytest.mark.parametrize(
    "value",
    [
        [1, 2**53],
        [-(2**53), 0],
        [1, True, 2],  # a bool is not an int here: falls to the general path, still canonical
        {1: "x"},
        [float("nan")],
        ["\ud800"],
    ],
)
def test_edges_match_or_refuse_alike(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(SchemaViolation):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected


_ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF))


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats() | _ANY_TEXT,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_ANY_TEXT, inner, max_size=5),
        max_leaves=30,
    )
)
def test_fast_paths_give_rfc8785_bytes_for_any_text(value: Any) -> None:
    """The C-encoder path (no floats, BMP-sortable keys) and the element path agree with rfc8785 on
    every code point, surrogates and supplementary characters included."""
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        with pytest.raises(SchemaViolation):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected


def test_keys_sort_by_utf16_code_units() -> None:
    """U+E000..U+FFFF sort after supplementary characters in UTF-16, before them by code point."""
    value = {"\ue000": 1, "\U00010000": 2, "a": 3, "\uffff": 4}
    assert canonical_bytes(value) == rfc8785.dumps(value)


_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats() | _ANY_TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_ANY_TEXT, inner, max_size=5),
    max_leaves=30,
)


@given(_ANY_JSON, st.sampled_from(["canonical", "python", "spaced", "unsorted"]))
def test_parse_canonical_accepts_exactly_the_rfc8785_text(value: Any, form: str) -> None:
    """``parse_canonical`` accepts a text exactly when it is rfc8785's bytes of what it parses to (the
    fast encoder's float, integer and key-order paths included)."""
    try:
        canonical = rfc8785.dumps(value).decode("utf-8")
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        canonical = None
    if form == "canonical":
        if canonical is None:
            return
        text = canonical
    else:
        try:
            text = json.dumps(
                value,
                ensure_ascii=False,
                sort_keys=form != "unsorted",
                separators=(", ", ": ") if form == "spaced" else (",", ":"),
            )
        except ValueError:  # NaN
            return
    try:
        parsed = json.loads(text)
        expected: str | None = rfc8785.dumps(parsed).decode("utf-8")
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, ValueError):
        expected = None
    if expected == text:
        assert json.dumps(parse_canonical(text), sort_keys=True) == json.dumps(parsed, sort_keys=True)
    else:
        with pytest.raises(SchemaViolation):
            parse_canonical(text)
