"""Translation catalogue checks and chores.

The source language is English, so the English catalogue is the identity: ``fill-english``
copies each msgid into its empty msgstr. Vietnamese must be translated by a person.
Run as ``python -m cuutro.lib.catalogues fill-english|check``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
VI_PLURALS = "nplurals=1; plural=0;"
EN_PLURALS = "nplurals=2; plural=(n != 1);"


def catalogue_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def untranslated(po: polib.POFile) -> list[str]:
    """msgids with no translation, or only a fuzzy one."""
    plural_forms = po.metadata.get("Plural-Forms", "nplurals=2;")
    try:
        nplurals = int(plural_forms.split("nplurals=")[1].split(";")[0])
    except (IndexError, ValueError):
        nplurals = 2
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            missing.append(entry.msgid)
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.get(i) for i in range(nplurals)):
                missing.append(entry.msgid)
        elif not entry.msgstr:
            missing.append(entry.msgid)
    return missing


def fill_english(locale_dir: Path = LOCALE_DIR) -> int:
    po = polib.pofile(str(catalogue_path("en", locale_dir)))
    po.metadata["Plural-Forms"] = EN_PLURALS
    filled = 0
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = {}
        if entry.msgid_plural and (not entry.msgstr_plural or not all(entry.msgstr_plural.values())):
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            filled += 1
        elif not entry.msgid_plural and not entry.msgstr:
            entry.msgstr = entry.msgid
            filled += 1
    po.save()
    vi = polib.pofile(str(catalogue_path("vi", locale_dir)))
    vi.metadata["Plural-Forms"] = VI_PLURALS
    vi.save()
    return filled


def main(argv: list[str]) -> int:
    if argv[:1] == ["fill-english"]:
        print(f"{fill_english()} English entries filled")
        return 0
    if argv[:1] == ["check"]:
        status = 0
        for language in ("vi", "en"):
            missing = untranslated(polib.pofile(str(catalogue_path(language))))
            for msgid in missing:
                print(f"{language}: untranslated: {msgid!r}")
            status |= bool(missing)
        return status
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
