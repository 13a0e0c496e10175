"""Canonical JSON bytes (RFC 8785, JSON Canonicalization Scheme).

The bytes that are hashed and signed are defined here once. The `rfc8785`
package does the canonicalisation; nothing else in Tanji serialises JSON for
hashing or signing. Checking that stored text is canonical (every verification
does it for every entry) goes through ``orjson`` when the text has no float and
no character that sorts differently in UTF-16 (:func:`parse_canonical`).
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import rfc8785

from ledger.errors import SchemaViolation

_INT_MAX = 2**53 - 1  # RFC 8785 / I-JSON: integers exactly representable as IEEE 754 doubles
_JUST_INT = {int}  # exactly int: not bool, not an int subclass whose str() may differ


def canonical_bytes(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON-compatible value.

    Raises ``SchemaViolation`` for values JSON cannot carry exactly (NaN,
    infinities, integers beyond ±2**53, non-string keys).
    """
    try:
        out: list[bytes] = []
        _dump(value, out, {})
        return b"".join(out)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as e:
        raise SchemaViolation(f"value cannot be canonicalised: {e}", code="json.not_canonicalisable") from e


# Values whose floats print alike in Python and ECMAScript (:func:`_repr_is_es`) and whose keys all sort
# the same by code point and by UTF-16 code unit (no key character at or above U+E000) are written by
# the standard library's C encoder: sorted keys, no spaces, strings as :func:`_string` writes them,
# integers as decimal digits — RFC 8785's bytes.
_PLAIN = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def _plain(obj: Any, memo: dict[int, bool]) -> bool:
    """Whether ``obj`` holds only ``str`` (no lone surrogate: checked on encoding), in-range ``int``,
    ``bool``, ``None``, floats whose ``repr`` is ECMAScript's, lists and objects with BMP-sortable
    string keys. Leaves are checked by type a container at a time (C-level passes); ``memo`` keeps the
    answer per container (by ``id``, valid while the value lives) so that :func:`_dump`, descending
    into a subtree that holds another float, does not walk the parts below it again."""
    kind = type(obj)
    if kind in _LEAVES:
        return True
    if kind is int:
        return bool(-_INT_MAX <= obj <= _INT_MAX)
    if kind is float:
        return _repr_is_es(obj)
    if kind is not list and kind is not dict:
        return False
    known = memo.get(id(obj))
    if known is not None:
        return known
    values: Any = obj
    if kind is dict:
        try:
            keys = "".join(obj)  # TypeError unless every key is a str
        except TypeError:
            memo[id(obj)] = False
            return False
        if not (keys.isascii() or max(keys) < "\ue000"):
            memo[id(obj)] = False
            return False
        values = obj.values()
    types = set(map(type, values))
    answer = True
    if int in types:  # e.g. readings values: one range check, no call per element
        ints = values if types == _JUST_INT else [x for x in values if type(x) is int]
        answer = bool(min(ints) >= -_INT_MAX and max(ints) <= _INT_MAX)
    if answer and not types <= _LEAVES_AND_INT:
        answer = all(_plain(x, memo) for x in values if type(x) not in _LEAVES_AND_INT)
    memo[id(obj)] = answer
    return answer


_LEAVES = frozenset({str, bool, type(None)})
_LEAVES_AND_INT = _LEAVES | {int}


def _repr_is_es(x: float) -> bool:
    """Whether Python's ``repr`` of ``x`` is ECMAScript's ``Number.prototype.toString`` (RFC 8785
    3.2.2.3): both write the shortest round-trip digits, and in plain decimal notation the same way;
    they differ only for integral values (``1.0`` vs ``1``), ``-0.0`` and where ``repr`` switches to
    an exponent (below 1e-4 and from 1e16 — non-integral values stay below 2**52)."""
    return not x.is_integer() and 1e-4 <= abs(x) < 1e16


def _string(text: str) -> bytes:
    """An RFC 8785 string (3.2.2.2, ECMAScript ``JSON.stringify``): ``"``, ``\\`` and controls below
    U+0020 escaped (``\\b \\t \\n \\f \\r``, else ``\\u00xx`` lower-case), everything else as
    UTF-8 — exactly what ``json.dumps(..., ensure_ascii=False)`` writes. A lone surrogate cannot be
    encoded: ``rfc8785`` refuses it."""
    try:
        return _ENCODE(text).encode("utf-8")
    except UnicodeEncodeError:
        return rfc8785.dumps(text)  # raises its CanonicalizationError


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _dump(obj: Any, out: list[bytes], memo: dict[int, bool]) -> None:
    """``rfc8785.dumps`` with fast paths: a list of plain ``int`` (readings values) is written with
    ``str`` and ``join`` after one range check, not element by element; strings, ``int``, ``bool``
    and ``None`` are written directly (:func:`_string`; an integer's canonical form is its decimal
    digits, RFC 8785 3.2.2.3, within ±(2**53 - 1)); only floats go through ``rfc8785``. The bytes are
    the same; ``tests/ledger/log/test_canonical.py`` checks them against ``rfc8785.dumps``.
    """
    if type(obj) in (list, dict) and _plain(obj, memo):  # a float-free subtree: the C encoder
        out.append(_PLAIN(obj).encode("utf-8"))
        return
    if isinstance(obj, (list, tuple)):
        if obj and set(map(type, obj)) == _JUST_INT:
            if min(obj) < -_INT_MAX or max(obj) > _INT_MAX:
                raise rfc8785.IntegerDomainError(max(obj, key=abs))
            out.append(json.dumps(obj, separators=(",", ":")).encode("ascii"))
            return
        out.append(b"[")
        for i, elem in enumerate(obj):
            if i:
                out.append(b",")
            _dump(elem, out, memo)
        out.append(b"]")
    elif isinstance(obj, dict) and obj:
        try:
            items = sorted(obj.items(), key=lambda kv: kv[0].encode("utf-16be"))
        except AttributeError as e:
            raise rfc8785.CanonicalizationError("object keys must be strings") from e
        out.append(b"{")
        for i, (key, elem) in enumerate(items):
            if i:
                out.append(b",")
            out.append(_string(key))
            out.append(b":")
            _dump(elem, out, memo)
        out.append(b"}")
    elif type(obj) is str:
        out.append(_string(obj))
    elif type(obj) is int:
        if not -_INT_MAX <= obj <= _INT_MAX:
            raise rfc8785.IntegerDomainError(obj)
        out.append(str(obj).encode("ascii"))
    elif obj is None:
        out.append(b"null")
    elif obj is True:
        out.append(b"true")
    elif obj is False:
        out.append(b"false")
    else:
        out.append(rfc8785.dumps(obj))


def canonical_text(value: Any) -> str:
    """The canonical form as text (what the log stores)."""
    return canonical_bytes(value).decode("utf-8")


def parse_canonical(text: str, data: bytes | None = None) -> Any:
    """Parse JSON text and check that it is already in canonical form.

    ``data``: ``text`` encoded as UTF-8, when the caller has it. Raises ``SchemaViolation`` when the
    text is not JSON or not canonical.
    """
    value = _parse_plain(text, data)
    if value is not _NOT_PLAIN:
        return value
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise SchemaViolation(f"not JSON: {e}", code="json.invalid") from e
    if canonical_text(value) != text:
        raise SchemaViolation("JSON text is not in RFC 8785 canonical form", code="json.not_canonical")
    return value


_SORTED_STRICT = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
_BELOW_U_E000 = bytes(range(0xEE))  # UTF-8 lead bytes 0xEE-0xF4 start the characters from U+E000 on
_NOT_PLAIN = object()


def _parse_plain(text: str, data: bytes | None = None) -> Any:
    """The value of ``text`` when ``orjson`` shows it canonical, else ``_NOT_PLAIN`` (decide the slow way).

    For a value without floats and text without characters from U+D800 on, ``orjson``'s compact,
    key-sorted output is RFC 8785's: keys sort alike by code point and by UTF-16 code unit there,
    strings are escaped alike (every such character is checked in
    ``tests/ledger/log/test_canonical.py``), integers are decimal digits and ``OPT_STRICT_INTEGER``
    refuses them beyond ±(2**53 - 1) (larger literals parse as floats). So such text equal to that
    output is canonical; anything else is decided by :func:`canonical_text`, which also names what is
    wrong. (``orjson`` writes some floats otherwise than ECMAScript: ``1.0``, ``1e-6``.)
    """
    if data is None:
        try:
            data = text.encode("utf-8")  # a lone surrogate cannot be encoded: the slow way refuses it
        except UnicodeEncodeError:
            return _NOT_PLAIN
    if not text.isascii() and data.translate(None, _BELOW_U_E000):
        return _NOT_PLAIN
    try:
        value = orjson.loads(data)
        same = orjson.dumps(value, option=_SORTED_STRICT) == data
    except (ValueError, TypeError):  # orjson's JSONDecodeError / JSONEncodeError
        return _NOT_PLAIN
    return value if same and _float_free(value) else _NOT_PLAIN


def _float_free(value: Any) -> bool:
    """Whether a parsed JSON value holds no float, checked a container at a time."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return kind is not float
    values = value.values() if kind is dict else value
    types = set(map(type, values))
    if float in types:
        return False
    if dict in types or list in types:
        return all(_float_free(x) for x in values if type(x) is dict or type(x) is list)
    return True
