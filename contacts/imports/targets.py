"""What a column of an imported file can be, and the guess of each column's field from its
header (in either language, so that our own export maps back by itself)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import CustomField


@dataclass(frozen=True)
class Target:
    code: str
    label: str | Promise
    group: str | Promise
    multiple: bool = False  # several columns may feed it (phones, e-mails, tags)
    synonyms: tuple[str, ...] = ()


_NAME, _REACH, _COMPANY, _OTHER = (
    gettext_lazy("Name"),
    gettext_lazy("Phones and e-mails"),
    gettext_lazy("Company"),
    gettext_lazy("Other"),
)
# Headers are compared after normalize(): lower case, ё → е, punctuation → spaces.
STATIC_TARGETS: tuple[Target, ...] = (
    Target(
        "full_name",
        gettext_lazy("Full name"),
        _NAME,
        synonyms=(
            "фио",
            "ф и о",
            "full name",
            "name",
            "contact",
            "контакт",
            "контактное лицо",
            "полное имя",
            "имя фамилия",
        ),
    ),
    Target(
        "last_name",
        gettext_lazy("Last name"),
        _NAME,
        synonyms=("фамилия", "last name", "lastname", "surname", "family name"),
    ),
    Target(
        "first_name",
        gettext_lazy("First name"),
        _NAME,
        synonyms=("имя", "first name", "firstname", "given name"),
    ),
    Target(
        "middle_name",
        gettext_lazy("Patronymic"),
        _NAME,
        synonyms=("отчество", "middle name", "patronymic"),
    ),
    Target(
        "phone:mobile",
        gettext_lazy("Phone"),
        _REACH,
        multiple=True,
        synonyms=(
            "телефон",
            "тел",
            "phone",
            "phone number",
            "номер телефона",
            "телефоны",
            "phones",
            "мобильный",
            "мобильный телефон",
            "сотовый",
            "mobile",
            "mobile phone",
            "cell",
            "cell phone",
        ),
    ),
    Target(
        "phone:work",
        gettext_lazy("Work phone"),
        _REACH,
        multiple=True,
        synonyms=("рабочий телефон", "телефон рабочий", "work phone", "business phone"),
    ),
    Target(
        "phone:home",
        gettext_lazy("Home phone"),
        _REACH,
        multiple=True,
        synonyms=("домашний телефон", "телефон домашний", "home phone"),
    ),
    Target("phone:fax", gettext_lazy("Fax"), _REACH, multiple=True, synonyms=("факс", "fax")),
    Target(
        "phone:other",
        gettext_lazy("Other phone"),
        _REACH,
        multiple=True,
        synonyms=("другой телефон", "дополнительный телефон", "доп телефон", "other phone"),
    ),
    Target(
        "email:work",
        gettext_lazy("E-mail"),
        _REACH,
        multiple=True,
        synonyms=(
            "e mail",
            "email",
            "e mails",
            "emails",
            "mail",
            "почта",
            "эл почта",
            "электронная почта",
            "адрес электронной почты",
            "рабочая почта",
            "work e mail",
            "work email",
        ),
    ),
    Target(
        "email:personal",
        gettext_lazy("Personal e-mail"),
        _REACH,
        multiple=True,
        synonyms=(
            "личная почта",
            "личный e mail",
            "личный email",
            "personal e mail",
            "personal email",
        ),
    ),
    Target(
        "email:other",
        gettext_lazy("Other e-mail"),
        _REACH,
        multiple=True,
        synonyms=("другая почта", "other e mail", "other email"),
    ),
    Target(
        "company",
        gettext_lazy("Company"),
        _COMPANY,
        synonyms=(
            "компания",
            "организация",
            "название компании",
            "фирма",
            "company",
            "company name",
            "organization",
            "organisation",
        ),
    ),
    Target(
        "inn",
        gettext_lazy("Company INN"),
        _COMPANY,
        synonyms=("инн", "инн компании", "инн организации", "inn", "company inn", "tax id"),
    ),
    Target(
        "position",
        gettext_lazy("Position"),
        _COMPANY,
        synonyms=("должность", "position", "job title", "title"),
    ),
    Target(
        "tags",
        gettext_lazy("Tags"),
        _OTHER,
        multiple=True,
        synonyms=("теги", "тэги", "метки", "тег", "tags", "tag", "labels"),
    ),
    Target(
        "source",
        gettext_lazy("Source"),
        _OTHER,
        synonyms=("источник", "source", "lead source", "канал привлечения"),
    ),
    Target(
        "owner",
        gettext_lazy("Responsible (e-mail)"),
        _OTHER,
        synonyms=("ответственный", "менеджер", "responsible", "owner", "manager"),
    ),
    Target(
        "birthday",
        gettext_lazy("Birthday"),
        _OTHER,
        synonyms=(
            "день рождения",
            "дата рождения",
            "birthday",
            "date of birth",
            "birth date",
            "dob",
        ),
    ),
    Target("region", gettext_lazy("Region"), _OTHER, synonyms=("регион", "область", "region")),
    Target(
        "address",
        gettext_lazy("Address"),
        _OTHER,
        synonyms=("адрес", "почтовый адрес", "address"),
    ),
    Target(
        "interests",
        gettext_lazy("Interests"),
        _OTHER,
        synonyms=(
            "интересы",
            "хобби",
            "интересы и хобби",
            "interests",
            "hobbies",
            "interests and hobbies",
        ),
    ),
    Target(
        "preferred_channel",
        gettext_lazy("Preferred channel"),
        _OTHER,
        synonyms=("предпочтительный канал", "канал связи", "способ связи", "preferred channel"),
    ),
    Target("language", gettext_lazy("Language"), _OTHER, synonyms=("язык", "language")),
    Target(
        "time_zone",
        gettext_lazy("Time zone"),
        _OTHER,
        synonyms=("часовой пояс", "time zone", "timezone"),
    ),
    Target(
        "notes",
        gettext_lazy("Notes"),
        _OTHER,
        synonyms=(
            "примечание",
            "примечания",
            "комментарий",
            "комментарии",
            "заметки",
            "notes",
            "note",
            "comment",
            "comments",
        ),
    ),
)
CUSTOM_PREFIX = "custom."
# Enough to say who the row is about: without one of these the import would only make noise.
IDENTITY_TARGETS = {"full_name", "last_name", "first_name"} | {
    t.code for t in STATIC_TARGETS if t.code.startswith(("phone:", "email:"))
}


def normalize(text: Any) -> str:
    """How headers and choice labels are compared: lower case, ё → е, punctuation → spaces."""
    text = str(text or "").lower().replace("ё", "е")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def import_targets() -> dict[str, Target]:
    """Everything a column can be imported as: contact fields, then active custom fields."""
    targets = {t.code: t for t in STATIC_TARGETS}
    custom_group = gettext_lazy("Custom fields")
    for f in CustomField.objects.filter(target=CustomField.Target.CONTACT, is_active=True):
        code = f"{CUSTOM_PREFIX}{f.code}"
        targets[code] = Target(code, f.label, custom_group, synonyms=(f.code, f.label))
    return targets


def target_choices(targets: dict[str, Target]) -> list:
    """Grouped choices for a select: (group, [(code, label), …])."""
    groups: dict[str, list] = {}
    for t in targets.values():
        groups.setdefault(str(t.group), []).append((t.code, str(t.label)))
    return [("", _("— do not import —")), *groups.items()]


def _synonyms(targets: dict[str, Target]) -> dict[str, str]:
    """Header → target, from the synonyms and from each label in every language, so that a file
    exported in either language maps back by itself."""
    found: dict[str, str] = {}
    for t in targets.values():
        for word in t.synonyms:
            found.setdefault(normalize(word), t.code)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for t in targets.values():
                found.setdefault(normalize(t.label), t.code)
    return found


def mapping_guess(headers: list[str], targets: dict[str, Target]) -> dict[str, str]:
    """``{"<column index>": "<target code>"}`` from the headers; the first column wins a field
    that takes one column."""
    words = _synonyms(targets)
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for index, header in enumerate(headers):
        code = words.get(normalize(header), "")
        if code and not targets[code].multiple and code in taken:
            code = ""
        taken.add(code)
        mapping[str(index)] = code
    return mapping


def mapping_clean(
    mapping: dict[str, str], headers: list[str], targets: dict[str, Target]
) -> dict[str, str]:
    """Check a mapping chosen by a person; returns it keyed by column index as text."""
    cleaned: dict[str, str] = {}
    errors: list[str] = []
    used: dict[str, list[str]] = {}
    for key, code in mapping.items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            continue
        if not 0 <= index < len(headers):
            continue
        code = code or ""
        if code and code not in targets:
            errors.append(_("“%(code)s” is not a field contacts have.") % {"code": code})
            continue
        cleaned[str(index)] = code
        if code:
            used.setdefault(code, []).append(headers[index])
    for code, columns in used.items():
        if len(columns) > 1 and not targets[code].multiple:
            errors.append(
                _("“%(field)s” is chosen for several columns: %(columns)s.")
                % {"field": targets[code].label, "columns": ", ".join(columns)}
            )
    if not set(used) & IDENTITY_TARGETS:
        errors.append(_("Choose a column with the name, a phone or an e-mail."))
    if errors:
        raise ValidationError(errors)
    return cleaned
