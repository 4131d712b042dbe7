"""Every message a person reads has its Chinese: none missing from the catalogue, none fuzzy or
empty, and the compiled catalogue is the one the .po says. (The pages themselves are checked
for English and raw codes in Chinese by test_every_page_browser.)"""

import os

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

CATALOGUE = settings.LOCALE_PATHS[0] / "zh_Hans" / "LC_MESSAGES"
# What makemessages reads: the apps, the settings package and the templates.
SOURCES = ["claims", "config", "fraud", "insurance", "outbox", "templates"]


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(CATALOGUE / "django.po"))


def test_every_message_in_the_source_is_in_the_catalogue(tmp_path, settings, po):
    # makemessages, run in a copy-free view of the source (symlinks), writes a fresh catalogue
    # of every message the source has; the committed one must hold them all.
    for name in SOURCES:
        os.symlink(settings.BASE_DIR / name, tmp_path / name)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    (tmp_path / "locale").mkdir()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        call_command("makemessages", locale=["zh_Hans"], symlinks=True, verbosity=0)
    finally:
        os.chdir(cwd)
    fresh = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    committed = {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete}

    missing = sorted(
        entry.msgid for entry in fresh if (entry.msgctxt, entry.msgid) not in committed
    )

    assert len(fresh) > 300
    assert not missing, f"run makemessages -l zh_Hans and translate: {missing}"


def test_no_message_is_untranslated_or_fuzzy(po):
    assert not [entry.msgid for entry in po.untranslated_entries()]
    assert not [entry.msgid for entry in po.fuzzy_entries()]


def test_the_compiled_catalogue_matches_the_po(po):
    compiled = {
        entry.msgid: entry.msgstr or entry.msgstr_plural
        for entry in polib.mofile(str(CATALOGUE / "django.mo"))
    }

    for entry in po.translated_entries():
        assert compiled.get(entry.msgid) == (entry.msgstr or entry.msgstr_plural), (
            f"{entry.msgid!r}: compile the catalogue (msgfmt or compilemessages)"
        )
