"""vCard 3.0 (RFC 2426) and 4.0 (RFC 6350): writing contacts as cards and reading cards back —
also the 2.1 cards phones and Outlook still write.

The rest of the app sees a card as a ``Card``: the parts of a contact a vCard can carry. The
mapping of phone and e-mail kinds to TYPE parameters is chosen so that a card written here reads
back with the same kinds.
"""

from __future__ import annotations

import binascii
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import vobject
from django.utils.translation import gettext as _

VERSIONS = ("3.0", "4.0")

# Our phone kind → the TEL TYPE that says it. "other" is a plain voice line.
_TEL_TYPE = {"mobile": "cell", "work": "work", "home": "home", "fax": "fax", "other": "voice"}
# Our e-mail kind → EMAIL TYPE; "other" carries no TYPE of its own.
_EMAIL_TYPE = {"work": "work", "personal": "home", "other": ""}
_E164 = re.compile(r"^\+\d{6,15}$")
_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$")


class VCardError(ValueError):
    """The text is not a readable vCard file."""


@dataclass
class Card:
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    full_name: str = ""
    phones: list[tuple[str, str]] = field(default_factory=list)  # (number, kind)
    emails: list[tuple[str, str]] = field(default_factory=list)  # (address, kind)
    company: str = ""
    position: str = ""
    birthday: dt.date | None = None
    address: str = ""
    region: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    # (property, why) for each part of the card that was read but left out: a photo, a value
    # in an unknown character set, a birthday without a year.
    left_out: list[tuple[str, str]] = field(default_factory=list)


# --- writing -------------------------------------------------------------------------------


def _spelled(types: list[str], v4: bool) -> list[str]:
    """TYPE values are case-insensitive; 3.0 cards conventionally spell them in capitals,
    RFC 6350 in lower case."""
    return types if v4 else [t.upper() for t in types]


def card_serialize(card: Card, *, version: str = "3.0") -> str:
    """One card as vCard text (CRLF line ends, folded lines, escaped values)."""
    if version not in VERSIONS:
        raise ValueError(f"unsupported vCard version {version!r}")
    v4 = version == "4.0"
    vc = vobject.vCard()
    vc.add("version").value = version
    if v4:
        vc.add("kind").value = "individual"
    vc.add("n").value = vobject.vcard.Name(
        family=card.last_name, given=card.first_name, additional=card.middle_name
    )
    # FN is required by both versions: the name, or failing that what identifies the card.
    fallback = [card.company, *(e for e, _k in card.emails), *(p for p, _k in card.phones)]
    vc.add("fn").value = card.full_name or next((f for f in fallback if f), "-")
    for number, kind in card.phones:
        line = vc.add("tel")
        types = [_TEL_TYPE.get(kind, "voice")]
        if v4 and _E164.match(number):
            line.value = f"tel:{number}"
            line.params["VALUE"] = ["uri"]
        else:
            line.value = number
            if v4:  # a masked number is not a tel: URI
                line.params["VALUE"] = ["text"]
        line.params["TYPE"] = _spelled(types, v4)
    for address, kind in card.emails:
        line = vc.add("email")
        line.value = address
        types = [] if v4 else ["internet"]
        if _EMAIL_TYPE.get(kind):
            types.append(_EMAIL_TYPE[kind])
        if types:
            line.params["TYPE"] = _spelled(types, v4)
    if card.company:
        vc.add("org").value = [card.company]
    if card.position:
        vc.add("title").value = card.position
    if card.birthday:
        vc.add("bday").value = card.birthday.strftime("%Y%m%d") if v4 else card.birthday.isoformat()
    if card.address or card.region:
        adr = vc.add("adr")
        adr.value = vobject.vcard.Address(street=card.address, region=card.region)
    if card.notes:
        vc.add("note").value = card.notes
    if card.tags:
        vc.add("categories").value = list(card.tags)
    return vc.serialize()


# --- reading -------------------------------------------------------------------------------
#
# Cards are read by a small tolerant parser, not by vobject: vobject refuses a whole file for
# one line it cannot take (a folded base64 photo from iOS, a quoted-printable value that Android
# or Outlook folded with a soft break), where a person expects every contact that can be read
# to come in. Each property is read on its own, and one that cannot be read is left out with a
# note on its card.

_BREAK = re.compile(r"\r*\n|\r")  # iOS ends lines with CR CR LF, macOS mixes LF into CRLF
_NAME = re.compile(r"^[A-Za-z0-9-]+$")
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"}
_NO_YEAR = re.compile(r"^--\d{2}-?\d{2}")
# The properties a contact has a field for; the rest (X- extensions, URL, NICKNAME, GEO, KEY…)
# are passed over without a note. PHOTO gets one: people notice a missing photo.
_READ = {"N", "FN", "TEL", "EMAIL", "ORG", "TITLE", "BDAY", "ADR", "NOTE", "CATEGORIES"}


class _Unreadable(ValueError):
    """A property whose value cannot be read; the message says why, for the card's notes."""


@dataclass
class _Property:
    group: str  # "item1" of item1.TEL (Apple and Google group a value with its label)
    name: str  # in capitals
    params: dict[str, list[str]]  # keys in capitals; 2.1's bare CELL is TYPE=CELL
    value: str  # as written: still encoded and escaped

    def param(self, key: str) -> str:
        values = self.params.get(key)
        return values[0] if values else ""

    def types(self) -> set[str]:
        return {t.lower() for t in self.params.get("TYPE", [])}


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    if '"' not in text:
        return text.split(separator)
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _head_end(line: str) -> int:
    """Where the name and parameters end: the first colon outside a quoted parameter value
    (TYPE="work,voice"); -1 when there is none."""
    colon = line.find(":")
    if colon < 0 or line.find('"', 0, colon) < 0:
        return colon
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    return -1


def _is_quoted_printable(line: str) -> bool:
    end = _head_end(line)
    return end > 0 and "QUOTED-PRINTABLE" in line[:end].upper()


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(number of the first physical line, the property's whole line) with folding undone:
    a line break followed by a space or a tab (RFC 6350 §3.2; 2.1 and 3.0 alike), and 2.1's
    quoted-printable soft break, a ``=`` at the end of the line (RFC 2045 §6.7)."""
    parts: list[str] = []  # of the line being read; joined once (a photo has hundreds)
    start = 0
    quoted_printable = False
    for number, line in enumerate(_BREAK.split(text), start=1):
        if parts and line[:1] in (" ", "\t"):
            parts.append(line[1:])
            continue
        if (
            parts
            and quoted_printable
            and line
            and parts[-1].endswith("=")
            and not line.upper().startswith(("END:VCARD", "BEGIN:VCARD"))  # a stray last "="
        ):
            parts.append("\n" + line)  # the decoder drops "=\n" as the soft break it is
            continue
        if parts:
            yield start, "".join(parts)
        parts, start = [line], number
        quoted_printable = _is_quoted_printable(line)
    if parts:
        yield start, "".join(parts)


def _property(line: str) -> _Property | None:
    """group.NAME;PARAM=a,b;BARE:value — or None when the line is not a property."""
    end = _head_end(line)
    if end < 0:
        return None
    head, value = line[:end], line[end + 1 :]
    head_parts = _split_outside_quotes(head, ";")
    group, _dot, name = head_parts[0].strip().rpartition(".")
    if not _NAME.match(name):
        return None
    params: dict[str, list[str]] = {}
    for part in head_parts[1:]:
        key, equals, text = part.partition("=")
        if equals:
            key = key.strip().upper()
        else:  # vCard 2.1 writes a bare value: TEL;CELL;PREF, PHOTO;BASE64, …;JPEG
            key, text = ("ENCODING" if key.strip().upper() in _ENCODINGS else "TYPE"), key
        values = []
        for item in _split_outside_quotes(text, ","):
            item = item.strip().strip('"').strip()
            values.extend(v.strip() for v in item.split(",") if v.strip())
        params.setdefault(key, []).extend(values)
    return _Property(group=group, name=name.upper(), params=params, value=value)


def _decoded(prop: _Property) -> str:
    """The value with its ENCODING undone, in its CHARSET (UTF-8 unless it names another)."""
    encoding = prop.param("ENCODING").upper()
    if encoding not in ("QUOTED-PRINTABLE", "BASE64", "B"):
        return prop.value
    charset = prop.param("CHARSET") or "utf-8"
    try:
        if encoding == "QUOTED-PRINTABLE":
            data = binascii.a2b_qp(prop.value.encode("utf-8"))
        else:
            data = binascii.a2b_base64(re.sub(r"\s+", "", prop.value), strict_mode=True)
    except (binascii.Error, ValueError):
        raise _Unreadable(_("its encoded data is damaged")) from None
    try:
        return data.decode(charset)
    except LookupError:
        raise _Unreadable(
            _("its character set %(charset)s is unknown") % {"charset": charset}
        ) from None
    except UnicodeDecodeError:
        raise _Unreadable(_("its text is not valid %(charset)s") % {"charset": charset}) from None


def _unescaped(text: str, v21: bool) -> str:
    """RFC 6350 §3.4 escapes (\\n, \\, \\; \\\\; Google and Apple also write \\:); vCard 2.1 only
    escapes the semicolon."""
    if v21:
        return text.replace("\\;", ";").strip()
    return _ESCAPED.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text).strip()


def _components(text: str, v21: bool) -> list[str]:
    """A structured value (N, ADR, ORG) split at its unescaped semicolons."""
    return [_unescaped(part, v21) for part in re.split(r"(?<!\\);", text)]


def _listed(text: str, v21: bool) -> list[str]:
    """A list value (CATEGORIES, a component of N) split at its unescaped commas."""
    return [v for v in (_unescaped(p, v21) for p in re.split(r"(?<!\\),", text)) if v]


def _phone_kind(types: set[str]) -> str:
    if "fax" in types:
        return "fax"
    if types & {"cell", "mobile", "iphone"}:
        return "mobile"
    if "work" in types:
        return "work"
    if "home" in types:
        return "home"
    return "other"


def _email_kind(types: set[str]) -> str:
    if "work" in types:
        return "work"
    if "home" in types:
        return "personal"
    return "other"


def _label_types(label: str) -> set[str]:
    """The kinds an Apple or Google label names: item1.X-ABLabel:_$!<Mobile>!$_, HomeFAX…"""
    label = label.lower()
    return {word for word in ("fax", "mobile", "cell", "iphone", "work", "home") if word in label}


def _birthday(value: str) -> dt.date:
    """BDAY as 1985-03-15 (3.0) or 19850315 (2.1, 4.0), maybe with a time."""
    if _NO_YEAR.match(value):
        raise _Unreadable(_("the date %(value)s has no year") % {"value": value})
    match = _DATE.match(value)
    try:
        if match:
            return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        pass
    raise _Unreadable(_("“%(value)s” is not a date") % {"value": value})


def _address(parts: list[str]) -> tuple[str, str]:
    """ADR (post box; extended; street; city; region; code; country) → (address, region)."""
    parts = (parts + [""] * 7)[:7]
    _box, extended, street, city, region, code, country = parts
    lines = [
        line.strip(" ,")
        for part in (extended, street, city, code, country)
        for line in part.split("\n")
    ]
    return ", ".join(line for line in lines if line), region


def _card_read(props: list[_Property]) -> Card:
    card = Card()
    version = next((p.value.strip() for p in props if p.name == "VERSION"), "3.0")
    v21 = version == "2.1"
    labels = {p.group: p.value for p in props if p.group and p.name == "X-ABLABEL"}
    addresses: list[tuple[bool, list[str]]] = []
    notes: list[str] = []
    named = False
    for prop in props:
        if prop.name == "PHOTO":
            card.left_out.append((prop.name, _("The photo was left out: a contact has no photo.")))
            continue
        if prop.name not in _READ:
            continue
        try:
            value = _decoded(prop)
        except _Unreadable as exc:
            card.left_out.append(
                (prop.name, _("This value was left out: %(reason)s.") % {"reason": exc})
            )
            continue
        types = prop.types() | _label_types(labels.get(prop.group, ""))
        if prop.name == "N" and not named:
            named = True
            parts = (_components(value, v21) + [""] * 3)[:3]
            card.last_name, card.first_name = parts[0], parts[1]
            card.middle_name = " ".join(_listed(parts[2], v21))
        elif prop.name == "FN" and not card.full_name:
            card.full_name = _unescaped(value, v21)
        elif prop.name == "TEL":
            number = _unescaped(value, v21)
            if number.lower().startswith("tel:"):
                number = number[4:].split(";", 1)[0]  # tel:+1-418-656-9254;ext=102
            if number:
                card.phones.append((number, _phone_kind(types)))
        elif prop.name == "EMAIL":
            address = _unescaped(value, v21)
            if address.lower().startswith("mailto:"):
                address = address[7:]
            if address:
                card.emails.append((address, _email_kind(types)))
        elif prop.name == "ORG" and not card.company:
            card.company = _components(value, v21)[0]
        elif prop.name == "TITLE" and not card.position:
            card.position = _unescaped(value, v21)
        elif prop.name == "BDAY" and not card.birthday:
            try:
                card.birthday = _birthday(_unescaped(value, v21))
            except _Unreadable as exc:
                card.left_out.append(
                    (prop.name, _("This value was left out: %(reason)s.") % {"reason": exc})
                )
        elif prop.name == "ADR":
            preferred = "pref" in types or bool(prop.param("PREF"))
            addresses.append((preferred, _components(value, v21)))
        elif prop.name == "NOTE":
            notes.append(_unescaped(value, v21))
        elif prop.name == "CATEGORIES":
            card.tags.extend(_listed(value, v21))
    if addresses:
        # The preferred address, else the first; sorted() keeps the file's order otherwise.
        _preferred, parts = sorted(addresses, key=lambda a: not a[0])[0]
        card.address, card.region = _address(parts)
    card.notes = "\n".join(n for n in notes if n)
    return card


def cards_parse(text: str) -> Iterator[Card]:
    """Every card in ``text``. A property that cannot be read is left out with a note on its
    card (``Card.left_out``); raises VCardError only when the file is not a list of cards."""
    number = 0
    props: list[_Property] | None = None
    unreadable: list[tuple[str, str]] = []
    nested = 0  # a 2.1 AGENT may hold a whole card of its own: skipped
    for line_number, line in _logical_lines(text):
        if not line.strip():
            continue
        prop = _property(line)
        keyword = prop.name if prop and not prop.group else ""
        if keyword == "BEGIN":
            if props is None:
                number += 1
                name = prop.value.strip()
                if name.upper() != "VCARD":
                    raise VCardError(
                        _("Entry %(n)s is a %(name)s, not a vCard.") % {"n": number, "name": name}
                    )
                props, unreadable = [], []
            else:
                nested += 1
            continue
        if props is None:
            raise VCardError(
                _("The vCard file cannot be read after card %(n)s: %(error)s")
                % {
                    "n": number,
                    "error": _("line %(line)s is outside any card") % {"line": line_number},
                }
            )
        if keyword == "END":
            if nested:
                nested -= 1
                continue
            card = _card_read(props)
            card.left_out[:0] = unreadable
            yield card
            props = None
            continue
        if nested:
            continue
        if prop is None:
            unreadable.append(
                (
                    "",
                    _("Line %(line)s was left out: it is not a vCard property.")
                    % {"line": line_number},
                )
            )
        else:
            props.append(prop)
    if props is not None:
        raise VCardError(
            _("The vCard file cannot be read after card %(n)s: %(error)s")
            % {"n": number - 1, "error": _("the last card has no END:VCARD")}
        )
