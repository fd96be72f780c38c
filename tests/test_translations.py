"""Every user-facing string is translated: no empty or fuzzy entries, and the compiled catalogues are current.

That the catalogues hold every string of the code is checked in .ci/run (`make messages` leaves no diff)."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGS = ["zh_Hans", "en"]


def _entries(po_text: str):
    """(msgid, msgstr, flags) of each entry, the header excluded; a msgid with a context is keyed
    "context<EOT>msgid", as the compiled catalogue keys it."""
    for block in po_text.split("\n\n"):
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        context = re.search(r'^msgctxt "((?:[^"\\]|\\.)*)"', block, re.M)
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if not msgid or "msgid_plural" in block:
            continue
        mid = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', msgid.group(1)))
        mstr = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', msgstr.group(1))) if msgstr else ""
        if mid:
            yield (f"{context.group(1)}\x04{mid}" if context else mid), mstr, flags


def _unescape(text: str) -> str:
    return ast.literal_eval(f'"{text}"')


@pytest.mark.parametrize("lang", LANGS)
def test_no_untranslated_or_fuzzy_entries(lang):
    po = (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text()
    bad = [mid for mid, mstr, flags in _entries(po) if not mstr or "fuzzy" in flags]
    assert not bad, f"{lang}: {len(bad)} untranslated: {bad[:10]}"


@pytest.mark.parametrize("lang", LANGS)
def test_plural_entries_are_translated(lang):
    po = (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text()
    bad = [
        block.splitlines()[0]
        for block in po.split("\n\n")
        if "msgid_plural" in block and (re.search(r'^msgstr\[\d\] ""$', block, re.M) or "fuzzy" in block)
    ]
    assert not bad, f"{lang}: untranslated plural entries: {bad}"


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_matches_source(lang):
    po = (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text()
    with open(LOCALE / lang / "LC_MESSAGES" / "django.mo", "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for mid, mstr, _flags in _entries(po):
        if mo.gettext(_unescape(mid)) != _unescape(mstr):
            stale.append(mid)
    assert not stale, f"{lang}: django.mo is stale, run `make messages`: {stale[:5]}"


def test_zh_hans_is_really_chinese():
    po = (LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text()
    latin_only = [
        mid
        for mid, mstr, _ in _entries(po)
        if mstr == mid and re.search(r"[A-Za-z]{3}", mid) and mid not in {"SHA-256", "IP address"}
    ]
    assert not latin_only, latin_only[:10]


# Placeholders that stand for a name (a person, an organisation, a user): in Chinese a name sits between characters
# without spaces (“张三已有…”, not “张三 已有…”); numbers and dates keep theirs.
NAME_PLACEHOLDERS = r"%\((?:person|node|branch|name|user|child|parent|who)\)s"


def test_zh_hans_puts_no_spaces_around_names():
    po = (LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text()
    han = "[\u3400-\u9fff]"
    spaced = re.compile(rf"{han} {NAME_PLACEHOLDERS}|{NAME_PLACEHOLDERS} {han}")
    bad = [mstr for _mid, mstr, _ in _entries(po) if spaced.search(mstr)]
    assert not bad, bad[:10]
