"""Keep ECERP's English catalogue (src/ecerp/locale/en/LC_MESSAGES/django.po) complete.

The source strings are Chinese message ids; this script helps a translator after
`ecerp makemessages -l en --ignore=migrations --no-obsolete` (run from src/ecerp):

    python scripts/translations.py todo              # entries without an English text, as JSON
    python scripts/translations.py apply todo.json   # write the English texts of a JSON file into the .po
    python scripts/translations.py check             # empty, fuzzy or placeholder-breaking entries

The JSON of `todo` and `apply` maps a key to the English text: the key is the msgid, or
"context\\x04msgid" for an entry with a msgctxt; a plural entry takes a list [singular, plural].
It only edits msgstr lines and fuzzy flags, so the layout written by gettext stays as it is.
Then compile with `ecerp compilemessages` and commit the .po and the .mo.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

PO_FILE = Path(__file__).resolve().parent.parent / "src" / "ecerp" / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Entry:
    lines: list[str]
    context: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return f"{self.context}\x04{self.msgid}" if self.context is not None else self.msgid

    @property
    def obsolete(self) -> bool:
        return all(line.startswith("#~") for line in self.lines if line.strip())


def _unquote(text: str) -> str:
    return json.loads(text) if text.startswith('"') else text


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def parse(text: str) -> list[Entry]:
    """Split a .po file into entries (blank-line separated blocks) and read their fields."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip("\n")):
        entry = Entry(lines=block.split("\n"))
        current = None
        for line in entry.lines:
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
                continue
            if line.startswith("#"):
                continue
            keyword, _, rest = line.partition(" ")
            if line.startswith('"'):
                value = _unquote(line)
            else:
                current, value = keyword, _unquote(rest)
            if current == "msgctxt":
                entry.context = (entry.context or "") + value
            elif current == "msgid":
                entry.msgid += value
            elif current == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            elif current == "msgstr":
                entry.msgstr[0] = entry.msgstr.get(0, "") + value
            elif current and current.startswith("msgstr["):
                index = int(current[7:-1])
                entry.msgstr[index] = entry.msgstr.get(index, "") + value
        entries.append(entry)
    return entries


def problems(entries: list[Entry]) -> list[str]:
    """Every entry that is fuzzy, untranslated or loses or invents a %(name)s placeholder."""
    found = []
    for entry in entries:
        if entry.obsolete or entry.msgid == "":
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        for index, text in sorted(entry.msgstr.items()):
            if not text:
                found.append(f"untranslated: {entry.msgid!r}")
                continue
            source = entry.msgid_plural if index and entry.msgid_plural else entry.msgid
            if sorted(set(PLACEHOLDER.findall(source))) != sorted(set(PLACEHOLDER.findall(text))):
                found.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    return found


def todo(entries: list[Entry]) -> dict:
    result = {}
    for entry in entries:
        if entry.obsolete or entry.msgid == "":
            continue
        if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            result[entry.key] = ["", ""] if entry.msgid_plural is not None else ""
    return result


def apply(text: str, translations: dict) -> tuple[str, int]:
    """Write the given English texts into the entries they belong to; drop their fuzzy flag."""
    entries = parse(text)
    blocks, count = [], 0
    for entry in entries:
        lines = entry.lines
        if entry.key in translations and not entry.obsolete and entry.msgid:
            value = translations[entry.key]
            values = value if isinstance(value, list) else [value]
            lines = [line for line in lines if not line.startswith("#| ")]
            kept = []
            in_msgstr = False
            for line in lines:
                if line.startswith("#,"):
                    flags = [flag.strip() for flag in line[2:].split(",") if flag.strip() != "fuzzy"]
                    if flags:
                        kept.append("#, " + ", ".join(flags))
                    continue
                if line.startswith("msgstr"):
                    in_msgstr = True
                    continue
                if in_msgstr and line.startswith('"'):
                    continue
                in_msgstr = False
                kept.append(line)
            if entry.msgid_plural is not None:
                kept += [f"msgstr[{index}] {_quote(english)}" for index, english in enumerate(values)]
            else:
                kept.append(f"msgstr {_quote(values[0])}")
            lines = kept
            count += 1
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n", count


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    text = PO_FILE.read_text(encoding="utf-8")
    if command == "todo":
        print(json.dumps(todo(parse(text)), ensure_ascii=False, indent=1))
        return 0
    if command == "apply":
        translations = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        new_text, count = apply(text, translations)
        PO_FILE.write_text(new_text, encoding="utf-8")
        print(f"{count} entries translated", file=sys.stderr)
        return 0
    if command == "check":
        found = problems(parse(text))
        print("\n".join(found) or "catalogue complete", file=sys.stderr)
        return 1 if found else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
