"""Masking names in notices changes text nodes only: the markup stays what the sanitiser let through."""

from __future__ import annotations

import datetime
import random
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from apps.disclosure.richtext import ALLOWED_TAGS, content_clean, html_replace_text
from apps.disclosure.selectors import public_html, public_text

TAGS = sorted(ALLOWED_TAGS) + ["script", "a", "img", "style", "span", "div", "iframe"]
ATTRIBUTES = ['style="background:url(http://127.0.0.1:9/x)"', 'onclick="x()"', 'href="javascript:x"', "src=//evil"]
# names a person might be entered with, markup characters included (the probe used ``p>Liu``)
NAMES = ["p>Liu", "张三", "<b", "p", "/p>", "&amp;", "a&b", '"x"', "li>王", "=", "style", "td><td", "br/"]
TEXT = list("张三李四王五 abc<>&\"'=/;:\n\t") + ["&amp;", "&lt;", "&#x27;", "\xa0"] + NAMES


def _random_html(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        if roll < 0.4 or depth > 3:
            parts.append("".join(rng.choice(TEXT) for _ in range(rng.randint(1, 8))))
        elif roll < 0.9:
            tag = rng.choice(TAGS)
            attrs = " " + rng.choice(ATTRIBUTES) if rng.random() < 0.3 else ""
            parts.append(f"<{tag}{attrs}>{_random_html(rng, depth + 1)}</{tag}>")
        else:
            parts.append(rng.choice(["<br>", "<!-- c -->", "<p", "</p>", "<", ">"]))
    return "".join(parts)


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def _structure(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    parser.close()
    return parser


def test_masking_random_html_keeps_the_markup_sanitised():
    """Property: whatever the HTML and the name, the masked text is a fixed point of the sanitiser, carries no
    attribute, has the same tags as before, and its text is the old text with the name replaced."""
    rng = random.Random(20261122)
    for _ in range(1500):
        stored = content_clean(_random_html(rng))
        name = rng.choice(NAMES + ["".join(rng.choice(TEXT) for _ in range(rng.randint(1, 3)))])
        masked_name = name[0] + "某某"
        masked = html_replace_text(stored, name, masked_name)
        assert content_clean(masked) == masked, (stored, name)
        after, before = _structure(masked), _structure(stored)
        assert after.attrs == [], (stored, name, masked)
        assert after.tags == before.tags, (stored, name, masked)
        assert set(after.tags) <= ALLOWED_TAGS
        if name not in masked_name:
            assert all(name not in text for text in after.text), (stored, name, masked)


def test_the_probe_cannot_inject_an_attribute():
    stored = content_clean('<p>Liu style="background:url(http://127.0.0.1:9/x)" 同志</p>')
    masked = html_replace_text(stored, "p>Liu", "p某某")
    assert masked == stored  # the name is not in the text: the markup is not touched
    assert _structure(masked).attrs == []
    named = html_replace_text("<p>p&gt;Liu 同志</p>", "p>Liu", "p某某")
    assert named == "<p>p某某 同志</p>"


def _notice(name: str, *, closes_on: datetime.date, retention: int = 0):
    person = SimpleNamespace(name=name)
    return SimpleNamespace(case=SimpleNamespace(person=person), closes_on=closes_on, name_retention_days=retention)


def test_the_name_is_masked_after_the_retention_only():
    notice = _notice("刘<强", closes_on=datetime.date(2026, 1, 10), retention=5)
    html = "<p>刘&lt;强 同志</p>"
    assert public_html(notice, html, datetime.date(2026, 1, 15)) == html  # the last day of the retention
    assert public_html(notice, html, datetime.date(2026, 1, 16)) == "<p>刘某某 同志</p>"
    assert public_text(notice, "关于刘<强的公示", datetime.date(2026, 1, 16)) == "关于刘某某的公示"


@pytest.mark.parametrize("name", ["", None])
def test_no_name_changes_nothing_but_sanitises(name):
    assert html_replace_text('<p onclick="x">a</p>', name or "", "x") == "<p>a</p>"
