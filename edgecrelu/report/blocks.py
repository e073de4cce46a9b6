"""What a report part says, without its format: headings, paragraphs, lists, tables with named
columns, figures. ``render_md``, ``render_html`` and ``render_text`` each turn a list of blocks into
their format; the text in a block is plain (the HTML renderer escapes it).

A few fields are hints one format reads and the others ignore (``css``, ``id``: the HTML page's
classes and anchors); what differs between formats is decided in the renderers, not in the parts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 3


@dataclass(frozen=True)
class Paragraph:
    text: str
    lead: str = ""  # a bold opening ("In short:"), followed by a space
    note: bool = False  # small print: italic in Markdown, class "small" in HTML
    source: str = ""  # the file the paragraph's facts come from
    css: str = ""  # HTML class
    id: str = ""  # HTML anchor


@dataclass(frozen=True)
class BulletList:
    items: Sequence[str]
    lead: str = ""  # a line before the items
    inline: bool = False  # HTML: the lead and the items in one paragraph, items joined by "; "
    css: str = ""  # HTML class of that paragraph


@dataclass(frozen=True)
class Details:
    """A list behind a summary line (HTML: folded away until opened)."""

    summary: str
    items: Sequence[str]


@dataclass(frozen=True)
class Verdict:
    """A verdict sentence, ``WORD: why``; the word in bold (HTML: a box coloured by the word)."""

    sentence: str
    word: str
    id: str = ""


@dataclass(frozen=True)
class Alert:
    """A warning the reader should not miss."""

    text: str


@dataclass(frozen=True)
class Figure:
    """Inline SVG plots side by side (HTML only: Markdown and the terminal leave them out). Each SVG
    comes from report/svg.py or report/pairing_svg.py, which escape their own text."""

    svgs: Sequence[str]


@dataclass(frozen=True)
class Code:
    text: str
    lang: str = "json"


@dataclass(frozen=True)
class Column:
    name: str
    text: bool = False  # words, left-aligned; False: a number, right-aligned
    wrap: bool = False  # HTML: may wrap at spaces (every other cell stays on one line)
    css: str = ""  # HTML: an extra class on its cells


@dataclass(frozen=True)
class Table:
    columns: Sequence[Column]
    rows: Sequence[Sequence[str]]
    row_css: Sequence[str] | None = None  # HTML: a class per row ("" for none)
    css: str = ""  # HTML class of the table

    def __post_init__(self):
        for line in self.rows:
            if len(line) != len(self.columns):
                raise ValueError(f"a row of {len(line)} cells in a table of {len(self.columns)} columns")

    @property
    def headers(self) -> list[str]:
        return [c.name for c in self.columns]

    @classmethod
    def of(cls, items: Iterable[Any], spec: Sequence[tuple[Column, Callable[[Any], str]]], **kw: Any) -> Table:
        """One row per item, each column's cell from the function beside it (column and cell are
        written together, so they cannot fall out of step)."""
        return cls([c for c, _ in spec], [[cell(x) for _, cell in spec] for x in items], **kw)

    def collapse(self, keep: Sequence[str] = ()) -> tuple[Table, list[str]]:
        """Columns with one value on every row (and more than one row), other than ``keep``, leave the
        table for a line above it: ``(table, ["prec: fp32", ...])``."""
        if len(self.rows) < 2:
            return self, []
        same = [j for j, c in enumerate(self.columns)
                if c.name not in keep and len({line[j] for line in self.rows}) == 1]
        constants = [f"{self.columns[j].name}: {self.rows[0][j]}" for j in same]
        cols = [j for j in range(len(self.columns)) if j not in same]
        return Table([self.columns[j] for j in cols], [[line[j] for j in cols] for line in self.rows],
                     self.row_css, self.css), constants


@dataclass(frozen=True)
class Section:
    """A device section of the page: its heading and its parts' blocks."""

    label: str
    slug: str
    blocks: Sequence = field(default_factory=list)


Block = Heading | Paragraph | BulletList | Details | Verdict | Alert | Figure | Code | Table | Section
