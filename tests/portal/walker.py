"""The link walker: signs in as a demo account, starts at the portal home and the admin index, follows every link of
the same host (GET only) two levels deep, and reports what a person clicking around would hit: an error status
(403, 404, 500 …), a redirect loop, a page that opens with a warning (the admin's "does not exist"), and English
text of the project's catalogue (or of a sample of Django's) on a zh-Hans page.

Used by ``tests/portal/test_link_walker.py`` (on the demo data of ``seed_demo``) and by ``make bench``
(``walk_pages``, ``walk_s``). Links of one shape (the path with its numbers taken out, and the names of its query
parameters) are followed a few times per account, not once per row of every list: a broken link is broken for
every row of its list, and a walk over each of 400 people would say nothing more.
"""

from __future__ import annotations

import gettext
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
STARTS = ("/", "/admin/")
# Links that change the session or the language, or leave the signed-in state: never followed.
SKIPPED_PREFIXES = ("/accounts/logout/", "/admin/logout/", "/i18n/", "/static/")
# How many links of one shape an account follows (see the module's docstring): a few of each page, and one of each
# set of query parameters (a filter, a sort order, a page of a list shows the same page with other rows).
PER_SHAPE = 2
PER_QUERY_SHAPE = 1
MAX_REDIRECTS = 10

# Common texts of Django's own catalogue (core and admin) that a zh-Hans page must never show in English.
DJANGO_SAMPLE = (
    "Add another",
    "Are you sure?",
    "Change password",
    "Clear selection",
    "Date/time",
    "Delete selected",
    "Django administration",
    "Django site admin",
    "Enter a valid date.",
    "Filter",
    "Hide counts",
    "History",
    "Log out",
    "Recent actions",
    "Run the selected action",
    "Save and add another",
    "Save and continue editing",
    "Save as new",
    "Select all",
    "Show all",
    "Show counts",
    "This field is required.",
    "View on site",
    "View site",
    "Welcome,",
    "You don’t have permission to view or edit anything.",
)
# Texts of the catalogues that are names, not words to translate.
SAME_IN_BOTH = {"PDF", "A4", "A3", "Excel", "SHA-256", "TOTP", "ID", "IP", "OK"}
# Pages whose English is known and tracked elsewhere (issue 12, item 15: django-otp names its fields in English only,
# outside any catalogue). Their links are followed and checked all the same. Remove an entry once it is translated.
LANGUAGE_NOT_CHECKED = ("/admin/otp_static/", "/admin/otp_totp/")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@dataclass
class Problem:
    account: str
    url: str
    found_on: str
    what: str

    def __str__(self) -> str:
        return f"{self.account}: {self.url} (linked from {self.found_on}): {self.what}"


@dataclass
class WalkResult:
    pages: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)


def _mo_msgids(path: Path) -> set[str]:
    """The translated msgids of a compiled catalogue, as the texts an English page would show."""
    with path.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog  # the only way to the msgids of a compiled catalogue
    texts = set()
    for key, translation in catalogue.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04", 1)[-1]  # without its context
        if not msgid or msgid in translation:  # the same in both languages ("PDF"), or kept in the translation
            continue
        texts.add(msgid)
    return texts


def _fragments(msgid: str) -> list[str]:
    """The literal parts of a msgid that a page shows verbatim: the whole text, or, around its placeholders, the
    parts of two words or more (a lone word next to a name is too likely to be the name)."""
    if not PLACEHOLDER.search(msgid):
        return [msgid.strip()]
    parts = (p.strip(" ,.:;()“”\"'—-") for p in PLACEHOLDER.split(msgid))
    return [p for p in parts if len(p.split()) >= 2]


def catalogue_texts() -> list[str]:
    """The English texts of the project's catalogue and a sample of Django's, longest first (a page that shows
    "Save and add another" untranslated is reported once, not also for "Save")."""
    project = _mo_msgids(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo")
    texts = {f for msgid in project for f in _fragments(msgid)}
    texts |= set(DJANGO_SAMPLE)
    texts = {t for t in texts if t and t not in SAME_IN_BOTH and re.search(r"[A-Za-z]{2}", t)}
    return sorted(texts, key=lambda t: (-len(t), t))


class _Page(HTMLParser):
    """The links, the visible text (text nodes and the attributes people read) and the messages of a page. Text in
    another language on purpose (``lang="en"``: the name of a language in the language switch) is not read."""

    READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
    HIDDEN_TAGS = ("script", "style", "template")
    VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    # a message shown as the page opens: the portal's (msg-error, msg-warning) and the admin's (messagelist)
    ALARM = re.compile(r"\b(msg-error|msg-warning|error|warning)\b")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self.alarms: list[str] = []
        # (tag, hidden, message): a message list None, one of its alarming items its classes, anything else False
        self._stack: list[tuple[str, bool, str | bool | None]] = []

    @property
    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden, _message in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        hidden = tag in self.HIDDEN_TAGS or bool(lang and not lang.lower().startswith("zh"))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if not (hidden or self._hidden):
            self.text += [attrs[name] for name in self.READ_ATTRIBUTES if attrs.get(name)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.text.append(attrs["value"])
        classes = attrs.get("class") or ""
        if tag == "ul" and ("messages" in classes.split() or "messagelist" in classes.split()):
            message = None  # a message list: its items are messages
        elif tag == "li" and self._stack and self._stack[-1][2] is None:
            message = classes if self.ALARM.search(classes) else False
        else:
            message = False
        if tag not in self.VOID_TAGS:
            self._stack.append((tag, hidden, message))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data):
        if not data.strip():
            return
        # Raw JSON (an audit entry's changes, a reminder's payload) is data, shown as such until issue 12, item 15
        # renders it as a table: its keys are field names, not texts of the catalogue.
        if not self._hidden and not data.strip().startswith(("{", "[")):
            self.text.append(data)
        if any(message for _tag, _hidden, message in self._stack):
            self.alarms.append(data.strip())


def shape(url: str) -> str:
    """The path with its numbers (and calendar tokens) taken out, and the names of its query parameters."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "<n>", parts.path)
    path = re.sub(r"/calendar/[^/]+\.ics$", "/calendar/<token>.ics", path)
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{path}?{'&'.join(keys)}" if keys else path


class Walker:
    """Walks the portal as one signed-in test client."""

    def __init__(self, client, *, account: str, texts: list[str], depth: int = 2, per_shape: int = PER_SHAPE):
        self.client = client
        self.account = account
        self.texts = texts
        self.depth = depth
        self.per_shape = per_shape
        self.result = WalkResult()
        self.seen: set[str] = set()
        self.shapes: Counter[str] = Counter()
        # a text of the catalogue as words, not inside a name, an address, a path or a code (documents.uploaded)
        self._english = re.compile(
            "|".join(rf"(?<![A-Za-z0-9_@./]){re.escape(t)}(?![A-Za-z0-9_@/]|\.[A-Za-z])" for t in texts) or "(?!)"
        )

    def walk(self, starts=STARTS, *, expect: dict[str, int] | None = None) -> WalkResult:
        """Walk from ``starts``; ``expect``: the status a start page answers this account when it is not 200 (the
        admin index for someone without access to it), whose links are then not followed."""
        started = time.monotonic()
        level = [(start, "(start)") for start in starts]
        for start in starts:
            self.seen.add(start)
        for depth in range(self.depth + 1):
            following = []
            for url, found_on in level:
                links = self._visit(url, found_on, expected=(expect or {}).get(url) if depth == 0 else None)
                if depth < self.depth:
                    following += [(link, url) for link in links if self._take(link)]
            level = following
        self.result.seconds = time.monotonic() - started
        return self.result

    def _take(self, link: str) -> bool:
        if link in self.seen or link.startswith(SKIPPED_PREFIXES):
            return False
        self.seen.add(link)
        key = shape(link)
        if self.shapes[key] >= (PER_QUERY_SHAPE if "?" in key else self.per_shape):
            return False
        self.shapes[key] += 1
        return True

    def _problem(self, url: str, found_on: str, what: str) -> None:
        self.result.problems.append(Problem(self.account, url, found_on, what))

    def _visit(self, url: str, found_on: str, *, expected: int | None = None) -> list[str]:
        response, final = self._get(url, found_on)
        if response is None:
            return []
        self.result.pages += 1
        if expected is not None and response.status_code == expected:
            return []
        if response.status_code != 200:
            via = f" (redirected to {final})" if final != url else ""
            self._problem(url, found_on, f"answers {response.status_code}{via}")
            return []
        if not response.get("Content-Type", "").startswith("text/html"):
            # a download (a document, a PDF, a calendar): it answers, that is all we ask. A streamed file is read to
            # its end through the test client's wrapper, which closes it without the request-finished handlers (a
            # bare close() would close the database connection under the test's transaction).
            if getattr(response, "streaming", False):
                for _chunk in response.streaming_content:
                    pass
            return []
        page = _Page()
        page.feed(response.content.decode())
        if page.alarms:
            self._problem(url, found_on, "the page opens with a warning: " + " ".join(page.alarms))
        self._check_language(final, found_on, "\n".join(page.text))
        return [link for link in (self._same_host(final, href) for href in page.links) if link]

    def _get(self, url: str, found_on: str):
        chain = [url]
        response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        while response.status_code in (301, 302, 303, 307, 308):
            target = self._same_host(chain[-1], response["Location"])
            if target is None:
                return None, chain[-1]  # leaves the portal: not ours to check
            if target in chain or len(chain) > MAX_REDIRECTS:
                self._problem(url, found_on, "redirect loop: " + " → ".join([*chain, target]))
                return None, target
            chain.append(target)
            response = self.client.get(target, HTTP_ACCEPT_LANGUAGE="zh-hans")
        return response, chain[-1]

    @staticmethod
    def _same_host(base: str, href: str) -> str | None:
        href = href.strip()
        if href.startswith(("mailto:", "tel:", "javascript:", "data:", "#")):
            return None
        absolute = urljoin("http://testserver" + base, href)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or parts.hostname not in ("testserver", *settings.ALLOWED_HOSTS):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _check_language(self, url: str, found_on: str, text: str) -> None:
        if url.startswith(LANGUAGE_NOT_CHECKED):
            return
        found = {}
        for match in self._english.finditer(text):
            context = text[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
            found.setdefault(match.group(0), context)
        if found:
            listed = "; ".join(f"{t!r} in “…{context}…”" for t, context in sorted(found.items()))
            self._problem(url, found_on, "English on a zh-Hans page: " + listed)


def sign_in(client, username: str, password: str) -> None:
    """Sign in through the portal's form with the password, and give the second factor when the portal asks for it
    (a confirmed authenticator, as after enrolment, and its current code)."""
    from django.contrib.auth import get_user_model
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    response = client.post("/accounts/login/", {"username": username, "password": password, "next": "/"})
    if response.status_code != 302:
        raise AssertionError(f"{username} cannot sign in with the demo password ({response.status_code})")
    response = client.get("/")
    if response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/"):
        user = get_user_model().objects.get(username=username)
        device, _created = TOTPDevice.objects.get_or_create(user=user, name="walker", defaults={"confirmed": True})
        token = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"
        response = client.post("/accounts/two-factor/", {"token": token, "next": "/"})
        if response.status_code != 302:
            raise AssertionError(f"{username}: the second factor was refused ({response.status_code})")


def walk_demo_accounts(client_factory, *, accounts, password: str, texts: list[str] | None = None) -> WalkResult:
    """Walk the portal as each demo account (``accounts``: usernames), each with a fresh client. Staff start at
    both the home and the admin index; the others are refused the admin (403) and walk from the home."""
    from django.contrib.auth import get_user_model

    texts = texts if texts is not None else catalogue_texts()
    total = WalkResult()
    started = time.monotonic()
    staff = set(
        get_user_model().objects.filter(username__in=accounts, is_staff=True).values_list("username", flat=True)
    )
    for username in accounts:
        client = client_factory()
        sign_in(client, username, password)
        walker = Walker(client, account=username, texts=texts)
        result = walker.walk(expect=None if username in staff else {"/admin/": 403})
        total.pages += result.pages
        total.problems += result.problems
    total.seconds = time.monotonic() - started
    return total
