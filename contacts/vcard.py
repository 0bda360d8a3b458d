"""vCard 3.0 (RFC 2426) and 4.0 (RFC 6350): writing contacts as cards and reading cards back.

The rest of the app sees a card as a ``Card``: the parts of a contact a vCard can carry. The
mapping of phone and e-mail kinds to TYPE parameters is chosen so that a card written here reads
back with the same kinds.
"""

from __future__ import annotations

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


def _types(line) -> set[str]:
    """TYPE values in every spelling: TYPE=WORK,VOICE; TYPE="cell,voice"; 2.1's bare CELL."""
    found = set()
    for value in [*line.params.get("TYPE", []), *line.singletonparams]:
        found |= {t.strip().strip('"').lower() for t in str(value).split(",") if t.strip()}
    return found


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


def _text(value) -> str:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v)
    return str(value or "").strip()


def _birthday(value: str) -> dt.date | None:
    """BDAY as 1985-03-15 (3.0) or 19850315 (4.0); a date without a year (--0315) is skipped,
    since a contact's birthday is a full date."""
    match = _DATE.match(_text(value))
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _card_from(component) -> Card:
    lines = component.contents
    card = Card()
    if "n" in lines:
        name = lines["n"][0].value
        card.last_name = _text(getattr(name, "family", ""))
        card.first_name = _text(getattr(name, "given", ""))
        card.middle_name = _text(getattr(name, "additional", ""))
    if "fn" in lines:
        card.full_name = _text(lines["fn"][0].value)
    for line in lines.get("tel", []):
        number = _text(line.value)
        if number.lower().startswith("tel:"):
            number = number[4:].split(";", 1)[0]  # tel:+7916…;ext=12 → the number itself
        if number:
            card.phones.append((number, _phone_kind(_types(line))))
    for line in lines.get("email", []):
        address = _text(line.value)
        if address.lower().startswith("mailto:"):
            address = address[7:]
        if address:
            card.emails.append((address, _email_kind(_types(line))))
    if "org" in lines:
        org = lines["org"][0].value
        card.company = _text(org[0] if isinstance(org, list) and org else org)
    if "title" in lines:
        card.position = _text(lines["title"][0].value)
    if "bday" in lines:
        card.birthday = _birthday(lines["bday"][0].value)
    if "adr" in lines:
        adr = lines["adr"][0].value
        card.address = _text(getattr(adr, "street", ""))
        card.region = _text(getattr(adr, "region", ""))
        if not card.address:
            parts = (
                getattr(adr, "city", ""),
                getattr(adr, "code", ""),
                getattr(adr, "country", ""),
            )
            card.address = ", ".join(_text(p) for p in parts if _text(p))
    if "note" in lines:
        card.notes = "\n".join(_text(line.value) for line in lines["note"])
    for line in lines.get("categories", []):
        values = line.value if isinstance(line.value, list) else str(line.value).split(",")
        card.tags.extend(t.strip() for t in values if t and t.strip())
    return card


def cards_parse(text: str) -> Iterator[Card]:
    """Every card in ``text``; raises VCardError naming the card that cannot be read."""
    number = 0
    try:
        for component in vobject.readComponents(text):
            number += 1
            if component.name.upper() != "VCARD":
                raise VCardError(
                    _("Entry %(n)s is a %(name)s, not a vCard.")
                    % {"n": number, "name": component.name}
                )
            yield _card_from(component)
    except vobject.base.VObjectError as exc:
        raise VCardError(
            _("The vCard file cannot be read after card %(n)s: %(error)s")
            % {"n": number, "error": exc}
        ) from None
