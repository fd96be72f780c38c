"""The rich text of notices: sanitised on the way in, and changed afterwards on its text nodes only.

A name masked on the HTML string can reach into the markup: masking ``p>Liu`` in ``<p>Liu …`` leaves ``<p某某 …``,
which the browser or the PDF renderer reads as a tag with attributes (the probe injected a ``style`` that made
WeasyPrint fetch a URL). So the text is parsed, the text nodes changed, the result written out again and sanitised
once more: whatever the name is, the markup stays what the sanitiser let through.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "u",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "h3",
    "h4",
    "blockquote",
}


def content_clean(html: str) -> str:
    """Sanitised rich text: formatting only, no script, style, links or attributes. Cleaned again until a pass
    changes nothing (misnested markup can take a second pass to settle), so that what is stored is a fixed point."""
    cleaned = html or ""
    for _pass in range(5):
        previous, cleaned = cleaned, nh3.clean(cleaned, tags=ALLOWED_TAGS, attributes={}, url_schemes=set()).strip()
        if cleaned == previous:
            break
    return cleaned


class _TextNodes(HTMLParser):
    """Writes sanitised HTML out again with each text node passed through ``change`` (tags without attributes: the
    sanitiser allows none; comments and anything else dropped)."""

    def __init__(self, change):
        super().__init__(convert_charrefs=True)
        self.change = change
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.out.append(f"<{tag}>")

    def handle_startendtag(self, tag, attrs):
        self.out.append(f"<{tag}>")

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(escape(self.change(data), quote=False))


def html_replace_text(html: str, old: str, new: str) -> str:
    """``old`` replaced by ``new`` in the text of rich text, never in its markup; sanitised again."""
    if not old:
        return content_clean(html)
    parser = _TextNodes(lambda text: text.replace(old, new))
    parser.feed(html or "")
    parser.close()
    return content_clean("".join(parser.out))
