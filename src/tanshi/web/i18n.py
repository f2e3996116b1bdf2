"""Chinese and English: message catalogs read from the shipped .po files (no compile step).

English is the source language; ``locale/zh/LC_MESSAGES/messages.po`` holds the Chinese.
Reading the .po with Babel at start-up means a fresh clone works without ``pybabel compile``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib.resources import files

from babel.messages.pofile import read_po

LOCALES = ("zh", "en")
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
HAN = re.compile(r"[\u3400-\u9fff]")


@cache
def catalog(locale: str) -> dict[str, str]:
    """msgid → msgstr for ``locale``; empty for English and for untranslated entries. A
    message with a context (``msgctxt``) is keyed ``context + "\\x04" + msgid``, as gettext
    keys it, so one English word can read two ways (an account "open" is 正常, an auction
    "open" 进行中)."""
    if locale == "en":
        return {}
    path = files("tanshi.web").joinpath("locale", locale, "LC_MESSAGES", "messages.po")
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=locale)
    return {
        (f"{message.context}\x04" if message.context else "") + str(message.id): str(message.string)
        for message in parsed
        if message.id and message.string and not message.fuzzy
    }


def translator(locale: str) -> Callable[[str], str]:
    """The ``_`` function of templates for ``locale`` (unknown strings stay in English)."""
    messages = catalog(locale if locale in LOCALES else "en")
    return lambda text: messages.get(text, text)


def in_context(locale: str, context: str, text: str) -> str:
    """``text`` as read in ``context`` (a ``msgctxt``), else as the plain msgid reads."""
    messages = catalog(locale if locale in LOCALES else "en")
    return messages.get(f"{context}\x04{text}") or messages.get(text, text)


def choose(accept_language: str | None, cookie: str | None, default: str) -> str:
    """The language before login: the cookie, else the browser's first known one, else default."""
    if cookie in LOCALES:
        return str(cookie)
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LOCALES:
            return tag
    return default


def written_in(text: object) -> str:
    """The language a text from the data is written in, as far as a page needs to know: Chinese
    when it has Han characters, else English (a rule's citation is quoted as written)."""
    return "zh" if HAN.search(str(text or "")) else "en"
