"""Text in the several scripts and languages institutions are named in."""

import datetime as dt

from django.conf.global_settings import LANGUAGES
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

# The names of languages: Django's, and Chinese, which Django names only as Simplified and as
# Traditional Chinese. Translated where they are shown.
LANGUAGE_NAMES = {**dict(LANGUAGES), "zh": gettext_noop("Chinese")}


def language_name(code: str) -> str:
    """The language's name in the reader's language; the code itself for an unknown one."""
    return _(LANGUAGE_NAMES[code]) if code in LANGUAGE_NAMES else code


def readable_date(day: dt.date) -> str:
    """A day as the pages write one, "29 Dec 2026" in the reader's language: in a message
    too, rather than the ISO form. (E-mails write Django's long date, "December 29, 2026".)"""
    return date_format(day, _("j M Y"))


# Letters that Unicode does not decompose into a Latin base letter, so Django's slugify would
# drop them: Polish, Nordic, German, Turkish and Azerbaijani letters, and the Cyrillic of
# Russian and Kazakh (a simple, readable romanisation, not a standard one).
_LETTERS = {
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
    "ı": "i",
    "ə": "e",
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    "ә": "a",
    "ғ": "g",
    "қ": "q",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
}
_CAPITALS = {k.upper(): v.capitalize() for k, v in _LETTERS.items() if len(k.upper()) == 1}
_TABLE = str.maketrans(_LETTERS | _CAPITALS)


def romanise(text: str) -> str:
    """`text` with the letters above in Latin, for slugs and file names."""
    return text.translate(_TABLE)


def besides_shown(main: str, translations: dict[str, str]) -> list[tuple[str, str]]:
    """The texts of a name or title in several languages that a reader is not shown, by
    language code: the main text first (code "") when the active language has its own, then
    the other languages' texts."""
    language = get_language() or ""
    shown = translations.get(language) or main
    others = [
        (code, text)
        for code, text in sorted(translations.items())
        if code != language and text and text not in (main, shown)
    ]
    return [("", main), *others] if shown != main else others


class NamedInLanguages:
    """A model's main `name` and its `names` in other languages, by language code, as a
    reader sees them."""

    name: str
    names: dict[str, str]

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.name

    @property
    def display_name(self) -> str:
        """The name a reader sees: in the active language where one is given."""
        return self.name_in(get_language() or "")

    def other_names(self) -> list[tuple[str, str]]:
        """The names besides `display_name`, by language code: the main name first (code "")
        when a translation is shown, then the other languages' names."""
        return besides_shown(self.name, self.names)
