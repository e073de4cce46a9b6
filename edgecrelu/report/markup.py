"""Markdown and HTML building blocks shared by report.md, report.html and the section parts."""

from __future__ import annotations

from html import escape

from tabulate import tabulate


def md_table(headers, body) -> str:
    esc = [[c.replace("|", "\\|") for c in line] for line in body]
    return tabulate(esc, headers=headers, tablefmt="github", disable_numparse=True)


def md_bold_head(sentence: str) -> str:
    """``**GO**: ...``: the verdict word in bold."""
    head, sep, rest = sentence.partition(":")
    return f"**{head}**{sep}{rest}" if sep else sentence


def e(s) -> str:
    """HTML-escaped text. "://" from record text (e.g. a URL in an environment field) is broken up, so
    that nothing in the page reads as an external reference."""
    return escape(str(s), quote=True).replace("://", ":&#47;&#47;")


def html_bold_head(sentence: str) -> str:
    """``GO: ...`` with the verdict word in bold."""
    head, sep, rest = sentence.partition(":")
    return f"<strong>{e(head)}</strong>{e(sep + rest)}" if sep else e(sentence)


def html_table(headers, body, row_classes=None, text_cols=(), table_class="", wrap_cols=()) -> str:
    """A table in a sideways scroll box; ``text_cols`` are left-aligned, ``wrap_cols`` may wrap their
    cells at spaces (every other cell stays on one line)."""
    tcls = f' class="{table_class}"' if table_class else ""
    head = "".join(f'<th data-col="{e(h)}">{e(h)}</th>' for h in headers)
    out = [f'<div class="scroll"><table{tcls}><thead><tr>', head, "</tr></thead><tbody>"]
    for i, line in enumerate(body):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = []
        for j, c in enumerate(line):
            names = (["t"] if j in text_cols else []) + (["flags"] if headers[j] == "flags" else []) \
                + (["w"] if j in wrap_cols else [])
            k = f' class="{" ".join(names)}"' if names else ""
            cells.append(f"<td{k}>{e(c)}</td>")
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)
