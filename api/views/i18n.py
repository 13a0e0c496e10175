"""The pages' two languages, zh and en: which one a request wants, and the words of each.

``choose_lang`` takes ``?lang=`` first, then the ``Accept-Language`` header
(RFC 9110 section 12.5.4: the highest ``q`` wins, ties in the order given),
and falls back to Chinese, the language of the parks Tanji serves. ``Words``
looks a message up by key in the chosen language; a key missing in one
language is a bug the tests catch (every key has both).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "Lang",
    "Words",
    "choose_lang",
    "normalize_lang",
    "page_headers",
    "switch_href",
]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"


def normalize_lang(tag: str | None) -> Lang | None:
    """``zh``/``en`` for a language tag (``zh-CN``, ``zh-Hans``, ``en-GB`` …), else None."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return "zh" if primary == "zh" else "en" if primary == "en" else None


def _accepted(header: str) -> list[tuple[float, int, str]]:
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and q > 0:
            ranked.append((-q, position, tag))
    return sorted(ranked)


def choose_lang(query: str | None = None, accept_language: str | None = None) -> Lang:
    """The page language: ``?lang=`` when it names zh or en, else the best of ``Accept-Language``."""
    chosen = normalize_lang(query)
    if chosen is not None:
        return chosen
    for _q, _pos, tag in _accepted(accept_language or ""):
        found = normalize_lang(tag)
        if found is not None:
            return found
    return DEFAULT_LANG


@dataclass(frozen=True)
class Words:
    """Messages by key, each ``{"zh": …, "en": …}``; ``words(key, **values)`` formats one."""

    lang: Lang
    messages: Mapping[str, Mapping[str, str]]

    def __call__(self, key: str, **values: object) -> str:
        """The message ``key`` in this language, with ``str.format`` ``values``; ``KeyError`` if unknown."""
        text = self.messages[key][self.lang]
        return text.format(**values) if values else text

    @property
    def html_lang(self) -> str:
        """The ``<html lang>`` value."""
        return "zh-CN" if self.lang == "zh" else "en"

    @property
    def other(self) -> Lang:
        """The other language (for the page's language switch)."""
        return "en" if self.lang == "zh" else "zh"


def switch_href(path: str, query: list[tuple[str, str]], lang: Lang) -> str:
    """A relative link to the same page in ``lang`` (the other query parameters kept)."""
    kept = [(k, v) for k, v in query if k != "lang"]
    return f"{path}?{urlencode([*kept, ('lang', lang)])}"


def page_headers(lang: Lang) -> dict[str, str]:
    """Headers of a page chosen by language: its language, and that it varies with Accept-Language."""
    return {"Content-Language": "zh-CN" if lang == "zh" else "en", "Vary": "Accept-Language"}
