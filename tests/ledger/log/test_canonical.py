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


def test_orjson_escapes_every_character_below_the_surrogates_as_rfc8785() -> None:
    """The claim ``parse_canonical``'s orjson path rests on, checked for every such code point."""
    import orjson

    differ = [c for c in range(0xD800) if orjson.dumps(chr(c)) != rfc8785.dumps(chr(c))]
    assert differ == []


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1.0}',  # integral float: RFC 8785 writes 1
        '{"a":-0}',
        '{"a":[1,1e+16]}',
        '{"a":9007199254740992}',  # beyond 2**53 - 1
        '{"a":123456789012345678901234567890}',  # parses as a float in orjson
        '{"b":1,"a":2}',
        '{"a":1,"a":1}',  # a duplicate key
        '{"a":"\\u007f"}',  # DEL is written as itself
        '{"a":"\\/"}',
        '{"\\ue000":1,"\\ud800\\udc00":2}',  # code-point order, not UTF-16's
        '{"a": 1}',
        "[NaN]",
    ],
)
def test_parse_canonical_refuses_near_canonical_text(text: str) -> None:
    with pytest.raises(SchemaViolation):
        parse_canonical(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a":"1.0","b":"x,1e5","c":"\\":1.5"}',  # float-like text inside strings
        '{"a":0.5,"b":[1e-7,1e+21]}',
        '{"\U00010000":2,"\ue000":1}',  # UTF-16 order: the supplementary character first
        '{"a":"示范","b":[9007199254740991,-9007199254740991]}',
    ],
)
def test_parse_canonical_accepts_canonical_text_either_way(text: str) -> None:
    assert parse_canonical(text) == json.loads(text)


def test_float_free_text_is_checked_without_the_slow_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every verification checks every entry this way: the orjson path must stay the one taken."""
    import ledger.log.canonical as canonical

    def slow(_value: Any) -> str:
        raise AssertionError("took the slow path")

    monkeypatch.setattr(canonical, "canonical_text", slow)
    body = '{"actor":"operator","kind":"meter.register","payload":{"id":"M-1","name":"一号表"},"seq":3}'
    assert canonical.parse_canonical(body)["payload"]["name"] == "一号表"
