"""Helpers the renderers share: HTML escaping, and the verdict word of a ``WORD: why`` sentence."""

from __future__ import annotations

from html import escape


def e(s: object) -> str:
    """HTML-escaped text. "://" from record text (e.g. a URL in an environment field) is broken up, so
    that nothing in the page reads as an external reference."""
    return escape(str(s), quote=True).replace("://", ":&#47;&#47;")


def split_head(sentence: str) -> tuple[str, str] | None:
    """``("GO", ": why")`` of ``"GO: why"``; None without a colon."""
    head, sep, rest = sentence.partition(":")
    return (head, sep + rest) if sep else None
