"""Checks of Russian company registration numbers, phones, e-mails and custom field values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from django.utils import timezone
from django.utils.translation import gettext as _


def _digits(value: str, lengths: tuple[int, ...], label: str) -> str:
    value = (value or "").strip()
    if not value.isdigit() or len(value) not in lengths:
        raise ValidationError(
            _("%(label)s must be %(lengths)s digits.")
            % {"label": label, "lengths": _(" or ").join(str(n) for n in lengths)},
            code="invalid",
        )
    return value


def _inn_check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def validate_inn(value: str) -> None:
    """INN: 10 digits for organisations, 12 for individuals, with check digits (FNS rules)."""
    if not value:
        return
    inn = _digits(value, (10, 12), _("INN"))
    if len(inn) == 10:
        ok = _inn_check(inn, (2, 4, 10, 3, 5, 9, 4, 6, 8)) == int(inn[9])
    else:
        ok = _inn_check(inn, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) == int(inn[10]) and _inn_check(
            inn, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
        ) == int(inn[11])
    if not ok:
        raise ValidationError(_("This INN has a wrong check digit."), code="checksum")


def validate_kpp(value: str) -> None:
    """KPP: 9 characters; the 5th and 6th may be capital latin letters (reason code)."""
    if not value:
        return
    kpp = value.strip()
    if len(kpp) != 9 or not (kpp[:4].isdigit() and kpp[6:].isdigit() and kpp[4:6].isalnum()):
        raise ValidationError(
            _("KPP must be 9 characters: 4 digits, 2 digits or letters, 3 digits.")
        )


def validate_ogrn(value: str) -> None:
    """OGRN (13 digits, mod 11) or OGRNIP (15 digits, mod 13)."""
    if not value:
        return
    ogrn = _digits(value, (13, 15), _("OGRN"))
    if len(ogrn) == 13:
        ok = int(ogrn[:12]) % 11 % 10 == int(ogrn[12])
    else:
        ok = int(ogrn[:14]) % 13 % 10 == int(ogrn[14])
    if not ok:
        raise ValidationError(_("This OGRN has a wrong check digit."), code="checksum")


def normalize_phone(value: str, region: str | None = None) -> str:
    """Any way a person writes a phone → E.164 (``8 (916) 123-45-67`` → ``+79161234567``).

    Raises ValidationError with a message for the person when it is not a possible number.
    """
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Enter a phone number."), code="required")
    region = region or settings.PHONE_DEFAULT_REGION
    candidate = raw
    digits = "".join(ch for ch in raw if ch.isdigit())
    # Russian habits: "8 916 …" is the trunk prefix, "7916…" without "+" is the country code.
    if region == "RU" and not raw.startswith("+"):
        if len(digits) == 11 and digits[0] in "78":
            candidate = "+7" + digits[1:]
    elif raw.startswith("00"):
        candidate = "+" + digits[2:]
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("“%(value)s” is not a phone number.") % {"value": raw}, code="invalid"
        ) from None
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number.") % {"value": raw}, code="invalid"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(value: str) -> str | None:
    try:
        return normalize_phone(value)
    except ValidationError:
        return None


def normalize_email(value: str) -> str:
    address = (value or "").strip().lower()
    try:
        django_validate_email(address)
    except ValidationError:
        raise ValidationError(
            _("“%(value)s” is not an e-mail address.") % {"value": value}, code="invalid"
        ) from None
    return address


def format_phone(number: str) -> str:
    """+79161234567 → +7 916 123-45-67, for people to read."""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(number, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return number


def mask_phone(number: str) -> str:
    """+79161234567 → +7 916 ***-**-67: enough to recognise, not enough to call."""
    shown = format_phone(number)
    digits_seen = 0
    total = sum(ch.isdigit() for ch in shown)
    out = []
    # keep the country code and the first 3 digits of the number, and the last 2
    country = len(shown.split(" ")[0]) - 1 if shown.startswith("+") else 0
    for ch in shown:
        if ch.isdigit():
            digits_seen += 1
            if country + 3 < digits_seen <= total - 2:
                out.append("*")
                continue
        out.append(ch)
    return "".join(out)


def mask_email(address: str) -> str:
    name, _sep, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


# The earliest birthday taken: no living client was born before it, so an earlier date is a
# typo ("1890" for "1990") or a placeholder (0001-01-01) that would break ages and greetings.
EARLIEST_BIRTHDAY = dt.date(1900, 1, 1)


def validate_birthday(value: dt.date | None) -> None:
    """A birthday is a day that has come, from 1900 on: the form, the API and the import all
    get this message through the services' validation."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("A birthday cannot be in the future."), code="future")
    if value < EARLIEST_BIRTHDAY:
        raise ValidationError(
            _("A birthday cannot be before %(year)d.") % {"year": EARLIEST_BIRTHDAY.year},
            code="too_early",
        )


def validate_custom_field_definition(field) -> None:
    if field.field_type in ("choice", "multi"):
        if (
            not isinstance(field.choices, list)
            or not field.choices
            or not all(isinstance(c, str) and c.strip() for c in field.choices)
        ):
            raise ValidationError({"choices": _("List the values people can choose from.")})
    elif field.choices:
        raise ValidationError({"choices": _("Only choice fields have values to choose from.")})


# What a custom number may be: what numeric(30, 8) holds, the width that filters, sorting and
# reports can count on. Unbounded, a 26-digit value was saved and then made every
# ``?custom.<code>__gte=`` filter overflow (the filter now also skips such stored values).
CUSTOM_NUMBER_INTEGER_DIGITS = 22
CUSTOM_NUMBER_DECIMAL_PLACES = 8


def clean_custom_number(value: Any) -> Decimal:
    """A custom number from how people write it (``150 000,50``), within the bounds above."""
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValidationError(_("Enter a number."), code="invalid") from None
    if not number.is_finite():
        raise ValidationError(_("Enter a number."), code="invalid")
    if number and number.adjusted() >= CUSTOM_NUMBER_INTEGER_DIGITS:
        raise ValidationError(
            _("Enter a number of at most %(digits)d digits before the decimal point.")
            % {"digits": CUSTOM_NUMBER_INTEGER_DIGITS},
            code="max_whole_digits",
        )
    digits, exponent = number.as_tuple()[1:]
    extra = -exponent - CUSTOM_NUMBER_DECIMAL_PLACES  # decimal places past the bound
    if extra > 0 and any(digits[-extra:]):  # trailing zeros ("1.5000000000") are harmless
        raise ValidationError(
            _("Enter a number of at most %(places)d digits after the decimal point.")
            % {"places": CUSTOM_NUMBER_DECIMAL_PLACES},
            code="max_decimal_places",
        )
    return number


def clean_custom_value(field, value: Any) -> Any:
    """Parse and check one custom field value; returns the JSON-ready value or None."""
    if value in (None, "", []):
        if field.required:
            raise ValidationError(_("This field is required."), code="required")
        return None
    kind = field.field_type
    if kind == "text":
        return str(value).strip()[:1000]
    if kind == "number":
        # Written out in full ("1E+3" → "1000"): the stored text is what the filters read.
        return format(clean_custom_number(value), "f")
    if kind == "date":
        if isinstance(value, dt.date):
            return value.isoformat()
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                return dt.datetime.strptime(str(value).strip(), fmt).date().isoformat()
            except ValueError:
                continue
        raise ValidationError(_("Enter a date as YYYY-MM-DD or DD.MM.YYYY."), code="invalid")
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on", "да", "y", "д"):
            return True
        if text in ("0", "false", "no", "off", "нет", "n", "н"):
            return False
        raise ValidationError(_("Enter yes or no."), code="invalid")
    if kind == "choice":
        if value not in field.choices:
            raise ValidationError(
                _("“%(value)s” is not one of the choices.") % {"value": value}, code="invalid"
            )
        return value
    if kind == "multi":
        values = value if isinstance(value, list) else [v.strip() for v in str(value).split(";")]
        wrong = [v for v in values if v not in field.choices]
        if wrong:
            raise ValidationError(
                _("“%(value)s” is not one of the choices.") % {"value": ", ".join(wrong)},
                code="invalid",
            )
        return values
    raise ValidationError(_("Unknown field type."))


# What a spreadsheet takes as the start of a formula (OWASP "CSV injection"): "-2+3+cmd|…" runs
# as well as "=HYPERLINK(…)", and a tab or a carriage return in front does not stop Excel. The
# export puts a quote before such text; the import takes that quote away again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
