"""The user interface speaks Chinese (zh-hans) by default and English on request.

The English catalogue is src/ecerp/locale/en/LC_MESSAGES/django.po (message ids are the
Chinese source strings) with its compiled django.mo, both in git. These tests keep it
complete and working: no untranslated or fuzzy entry, placeholders kept, the .mo in step
with the .po, every message of the code in the catalogue, and errors, pages and the API
answering in the language the user asked for.
"""

from __future__ import annotations

import gettext as gettext_module
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

import ecerp
from ecerp.core.errors import DomainError
from ecerp.masterdata import services
from tests.core.factories import make_product

SOURCE_DIR = Path(ecerp.__file__).resolve().parent
PO_FILE = SOURCE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
UPDATE_HINT = ("cd src/ecerp && ecerp makemessages -l en --ignore=migrations --no-obsolete, "
               "translate (python scripts/translations.py todo / apply), ecerp compilemessages")


# --- a small reader of .po files (no new dependency) ----------------------------------------------

def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: context, msgid, msgid_plural, msgstr {index: text}, flags, obsolete."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip("\n")):
        entry = {"context": None, "msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set(),
                 "obsolete": block.lstrip().startswith("#~")}
        keyword = None
        for line in block.split("\n"):
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
                continue
            if line.startswith("#~ "):
                line = line[3:]
            elif line.startswith("#"):
                continue
            if not line.startswith('"'):
                keyword, _space, line = line.partition(" ")
            value = json.loads(line)
            if keyword == "msgctxt":
                entry["context"] = (entry["context"] or "") + value
            elif keyword == "msgid":
                entry["msgid"] += value
            elif keyword == "msgid_plural":
                entry["msgid_plural"] = (entry["msgid_plural"] or "") + value
            elif keyword == "msgstr":
                entry["msgstr"][0] = entry["msgstr"].get(0, "") + value
            elif keyword.startswith("msgstr["):
                index = int(keyword[7:-1])
                entry["msgstr"][index] = entry["msgstr"].get(index, "") + value
        entries.append(entry)
    return entries


def messages(entries: list[dict]) -> list[dict]:
    """The real messages: without the header and without obsolete (#~) entries."""
    return [entry for entry in entries if entry["msgid"] and not entry["obsolete"]]


def key(entry: dict) -> tuple:
    return entry["context"], entry["msgid"], entry["msgid_plural"]


# --- the catalogue itself -------------------------------------------------------------------------

def test_the_english_catalogue_has_no_empty_or_fuzzy_entry_and_keeps_every_placeholder():
    # given the committed English catalogue
    entries = read_po(PO_FILE)
    header = entries[0]
    # then its header is final, says it is English and has plural forms
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0] and "Plural-Forms: nplurals=2;" in header["msgstr"][0]
    # and every message is translated, not fuzzy, and keeps exactly the placeholders of its msgid
    found = []
    for entry in messages(entries):
        if "fuzzy" in entry["flags"]:
            found.append(("fuzzy", entry["msgid"]))
        expected_forms = 2 if entry["msgid_plural"] is not None else 1
        if len(entry["msgstr"]) != expected_forms:
            found.append(("plural forms", entry["msgid"]))
        for index, text in entry["msgstr"].items():
            source = entry["msgid_plural"] if index and entry["msgid_plural"] else entry["msgid"]
            if not text.strip():
                found.append(("empty", entry["msgid"]))
            elif set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(text)):
                found.append(("placeholders", entry["msgid"], text))
            elif "python-format" in entry["flags"] and text.count("%") != source.count("%"):
                found.append(("percent signs", entry["msgid"], text))
    assert found == [], UPDATE_HINT
    assert len(messages(entries)) > 400


def test_english_texts_contain_no_chinese_except_where_they_name_chinese_input():
    # given every English text
    entries = messages(read_po(PO_FILE))
    # then a text only keeps Chinese where it quotes what a user must type in a file (是, 件, labels)
    with_chinese = [entry["msgid"] for entry in entries
                    if any(CJK.search(text) for text in entry["msgstr"].values())]
    for msgid in with_chinese:
        translated = next(e for e in entries if e["msgid"] == msgid)["msgstr"][0]
        assert "(" in translated, f"Chinese left in the English text of {msgid!r}: {translated!r}"
    assert len(with_chinese) < 10


def test_the_compiled_catalogue_matches_the_po_file():
    # given the committed .mo (a fresh machine may not have gettext to compile it)
    with MO_FILE.open("rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    # then it holds every translation of the .po, unchanged
    stale = []
    for entry in messages(read_po(PO_FILE)):
        msgid = entry["msgid"] if entry["context"] is None else f"{entry['context']}\x04{entry['msgid']}"
        if entry["msgid_plural"] is None:
            if compiled.gettext(msgid) != entry["msgstr"][0]:
                stale.append(entry["msgid"])
        elif (compiled.ngettext(msgid, entry["msgid_plural"], 1) != entry["msgstr"][0]
              or compiled.ngettext(msgid, entry["msgid_plural"], 2) != entry["msgstr"][1]):
            stale.append(entry["msgid"])
    assert stale == [], "django.mo is older than django.po: run ecerp compilemessages"


@pytest.mark.skipif(not (shutil.which("xgettext") and shutil.which("msguniq")),
                    reason="needs GNU gettext (xgettext) to extract messages")
def test_every_message_of_the_code_and_templates_is_in_the_catalogue(tmp_path, settings, monkeypatch):
    # given a copy of the Python sources and templates of ECERP, without its catalogue
    copy = tmp_path / "ecerp"
    shutil.copytree(SOURCE_DIR, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "migrations",
                                                                     "*.pyc", "*.mo", "*.po"))
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [str(copy / "locale")]
    monkeypatch.chdir(copy)
    # when the messages are extracted again, the way the catalogue was made
    call_command("makemessages", locale=["en"], ignore_patterns=["migrations"], verbosity=0)
    # then the committed catalogue has every one of them, and nothing the code no longer says
    extracted = {key(entry) for entry in messages(read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))}
    committed = {key(entry) for entry in messages(read_po(PO_FILE))}
    untranslated = sorted((msgid for _context, msgid, _plural in extracted - committed))
    unused = sorted((msgid for _context, msgid, _plural in committed - extracted))
    assert untranslated == [], f"messages missing from the English catalogue: {untranslated}; {UPDATE_HINT}"
    assert unused == [], f"messages the code no longer uses: {unused}; {UPDATE_HINT}"


def test_templates_have_no_chinese_outside_translation_tags():
    # given every template of ECERP with its translate/blocktranslate tags, variables and comments removed
    leftovers = []
    for template in sorted(SOURCE_DIR.rglob("templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        text = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", "", text, flags=re.S)
        text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", text, flags=re.S)
        # The language menu names each language in its own language, on purpose.
        text = text.replace("简体中文", "")
        leftovers += [(template.name, line.strip()) for line in text.splitlines() if CJK.search(line)]
    # then no Chinese text is left that English users would see untranslated
    assert leftovers == []


# --- errors of services ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_domain_error_of_a_service_speaks_the_active_language():
    # given a product with an HS code of 3 digits
    data = {"name": "面霜", "unit": "件", "hs_code": "123"}
    # when it is saved with English active
    with translation.override("en"), pytest.raises(DomainError) as english:
        services.save_product(user=None, data=data)
    # then the message is English and names the value; with Chinese active it is Chinese
    with translation.override("zh-hans"), pytest.raises(DomainError) as chinese:
        services.save_product(user=None, data=data)
    assert english.value.code == chinese.value.code == "INVALID_HS_CODE"
    assert english.value.as_dict()["errors"][0] == {"field": "hs_code", "code": "INVALID_HS_CODE",
                                                    "message": "HS code “123” must be 10 digits"}
    assert chinese.value.details[0].message == "HS编码「123」应为 10 位数字"


@pytest.mark.django_db
def test_a_message_with_a_translated_parameter_is_english_throughout():
    # given a product whose net weight is more than its gross weight and a negative price
    product = make_product(name="面霜")
    # when it is saved with English active
    with translation.override("en"), pytest.raises(DomainError) as error:
        services.save_product(user=None, instance=product,
                              data={"gross_weight": Decimal("1"), "net_weight": Decimal("2"),
                                    "cost_price": Decimal("-1")})
    # then every problem reads in English, including field labels filled into the message
    messages_by_field = {detail.field: detail.message for detail in error.value.details}
    assert messages_by_field["cost_price"] == "“Cost price” cannot be negative"
    assert messages_by_field["net_weight"] == "Net weight cannot be more than gross weight"


# --- pages ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_login_page_is_chinese_by_default_and_english_for_an_english_browser():
    # when a browser without preference and an English browser open the login page
    chinese = Client().get("/login/").content.decode()
    english = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    # then the first reads Chinese and the second English (ECERP's and Django's own texts)
    assert "登录 ECERP" in chinese and "用户名" in chinese and '<html lang="zh-hans"' in chinese
    assert "Log in to ECERP" in english and "Username" in english and '<html lang="en"' in english
    assert not CJK.search(re.sub(r"<option[^>]*>简体中文</option>", "", english))


@pytest.mark.django_db
def test_choosing_english_in_the_language_menu_switches_every_page(admin_user):
    # given a signed-in user on the Chinese home page
    client = Client()
    client.force_login(admin_user)
    assert "基础资料" in client.get("/").content.decode()
    # when English is chosen in the language menu
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    # then they return to the page, which is English from now on
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/").content.decode()
    assert "Master data" in home and "Coming soon" in home and "System mode: " in home
    assert "Welcome, <strong>admin1</strong>." in home
    assert "即将上线" not in home
    # and choosing Chinese again switches back
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "即将上线" in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_wrong_password_on_the_english_login_page_is_explained_in_english(admin_user):
    response = Client().post("/login/", {"username": "admin1", "password": "wrong"},
                             HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Wrong username or password" in response.content.decode()


# --- API ------------------------------------------------------------------------------------------

def _post_json(path: str, body: dict, **headers):
    return Client().post(path, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.django_db
def test_api_errors_follow_the_accept_language_header(make_user):
    # given a user and a wrong password
    make_user("ops1", role="operations")
    body = {"username": "ops1", "password": "nope"}
    # when a token is asked for without a language and with English
    chinese = _post_json("/api/auth/token", body)
    english = _post_json("/api/auth/token", body, HTTP_ACCEPT_LANGUAGE="en")
    # then the code is the same and the message is Chinese, resp. English
    assert chinese.status_code == english.status_code == 401
    assert chinese.json()["errors"] == [{"field": "password", "code": "INVALID_CREDENTIALS",
                                         "message": "用户名或密码错误"}]
    assert english.json()["errors"] == [{"field": "password", "code": "INVALID_CREDENTIALS",
                                         "message": "Wrong username or password"}]
    assert english["Content-Language"] == "en"


@pytest.mark.django_db
def test_api_authentication_and_validation_errors_are_english_on_request():
    # when an anonymous English client calls a protected endpoint and sends an incomplete body
    unauthenticated = Client().get("/api/me", HTTP_ACCEPT_LANGUAGE="en")
    invalid = _post_json("/api/auth/token", {"username": "ops1"}, HTTP_ACCEPT_LANGUAGE="en")
    # then both answers explain themselves in English
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["errors"][0]["message"] == (
        "Log in first, or send a valid API token in the Authorization header")
    assert invalid.status_code == 400
    problems = invalid.json()["errors"]
    assert [problem["field"] for problem in problems] == ["password"]
    assert not CJK.search(problems[0]["message"]) and "required" in problems[0]["message"]
