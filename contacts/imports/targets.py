"""What a column of an imported file can be, and the guess of each column's field from its
header (in either language, so that our own export maps back by itself), knowing how the tools
people migrate from name their columns."""

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
            "полное имя контакта",
        ),
    ),
    # "Анна Орлова": a name written first name first, as amoCRM and most web forms write it
    # (the full name above reads Cyrillic in the Russian order, "Орлова Анна Петровна").
    Target(
        "full_name_first",
        gettext_lazy("Full name, first name first"),
        _NAME,
        synonyms=("имя фамилия", "first and last name"),
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
        synonyms=("отчество", "middle name", "patronymic", "additional name"),
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
            "e mail address",
            "email address",
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
            "organization name",
        ),
    ),
    Target(
        "inn",
        gettext_lazy("Company INN"),
        _COMPANY,
        synonyms=("инн", "инн компании", "инн организации", "inn", "company inn", "tax id"),
    ),
    Target(
        "company_website",
        gettext_lazy("Company website"),
        _COMPANY,
        # Only a company export's own column ("Корпоративный сайт", amoCRM's "Web"): a
        # contact file's "Web" may be the person's own page.
        synonyms=("сайт компании", "company website"),
    ),
    Target(
        "company_kpp",
        gettext_lazy("Company KPP"),
        _COMPANY,
        synonyms=("кпп", "кпп компании", "kpp"),
    ),
    Target(
        "company_ogrn",
        gettext_lazy("Company OGRN"),
        _COMPANY,
        synonyms=("огрн", "огрнип", "огрн компании", "ogrn"),
    ),
    Target(
        "position",
        gettext_lazy("Position"),
        _COMPANY,
        # Not "title": Outlook's Title is Mr./Ms.; its position is "Job Title".
        synonyms=("должность", "position", "job title", "organization title"),
    ),
    Target(
        "tags",
        gettext_lazy("Tags"),
        _OTHER,
        multiple=True,
        synonyms=(
            "теги",
            "тэги",
            "метки",
            "тег",
            "tags",
            "tag",
            "labels",
            "categories",
            "категории",
        ),
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
        synonyms=("адрес", "почтовый адрес", "address", "address formatted"),
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
            "hobby",
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
IDENTITY_TARGETS = {"full_name", "full_name_first", "last_name", "first_name", "company"} | {
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


# --- the exports people migrate from -------------------------------------------------------
#
# Column names these tools write, compared after normalize(). A tool's own table wins over the
# synonyms ("" leaves a column out on purpose: Outlook's Title is Mr./Ms., Bitrix24's
# Ответственный is a person's name, not the e-mail of one of our users); a column the table
# does not name is guessed as in any other file.


@dataclass(frozen=True)
class ExportFormat:
    code: str
    label: str | Promise
    signature: frozenset[str]  # columns that together say the file came from this tool
    columns: dict[str, str]
    # Columns that say it is not: a company export has no person's name, while its phone and
    # e-mail columns are named as in the same tool's contact export.
    excludes: frozenset[str] = frozenset()


_GOOGLE_COMMON = {
    "labels": "",  # "* myContacts ::: Friends": Google's own groups, not tags
    "group membership": "",
    "name prefix": "",
    "name suffix": "",
    "nickname": "",
    "language": "",
    "address 1 formatted": "address",
    "address 1 region": "region",
    "notes": "notes",
    "birthday": "birthday",
}
EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        "google",
        gettext_lazy("Google Contacts"),
        frozenset(
            {
                "given name",
                "family name",
                "additional name",
                "yomi name",
                "group membership",
                "e mail 1 value",
                "phone 1 value",
                "organization 1 name",
                "organization 1 title",
            }
        ),
        {
            **_GOOGLE_COMMON,
            "name": "full_name",
            "given name": "first_name",
            "family name": "last_name",
            "additional name": "middle_name",
            "organization 1 name": "company",
            "organization 1 title": "position",
        },
    ),
    ExportFormat(
        "google_2020",
        gettext_lazy("Google Contacts"),
        frozenset(
            {
                "first name",
                "last name",
                "file as",
                "phonetic first name",
                "labels",
                "e mail 1 value",
                "phone 1 value",
                "organization name",
                "organization title",
            }
        ),
        {**_GOOGLE_COMMON, "organization department": ""},
    ),
    ExportFormat(
        "outlook",
        gettext_lazy("Outlook"),
        frozenset(
            {
                "title",
                "suffix",
                "job title",
                "e mail address",
                "e mail type",
                "e mail display name",
                "e mail 2 address",
                "business phone",
                "mobile phone",
                "home phone",
                "business fax",
                "primary phone",
            }
        ),
        {
            "title": "",  # Mr., Ms.
            "suffix": "",
            "job title": "position",
            "profession": "",
            "language": "",
            "location": "",
            "categories": "tags",  # "Business;VIP"
            "hobby": "interests",
            "primary phone": "phone:other",
            "car phone": "phone:other",
            "company main phone": "",  # the company's, shared by all its people
            "assistant s phone": "",
            "callback": "",
            "pager": "",
        },
    ),
    ExportFormat(
        "outlook_ru",
        gettext_lazy("Outlook"),
        frozenset(
            {
                "обращение",
                "суффикс",
                "организация",
                "отдел",
                "адрес эл почты",
                "тип эл почты",
                "краткое имя эл почты",
                "адрес 2 эл почты",
                "телефон раб 2",
                "телефон переносной",
                "рабочий факс",
            }
        ),
        {
            "обращение": "",  # г-н, г-жа
            "суффикс": "",
            "профессия": "",
            "язык": "",
            "расположение": "",
            "категории": "tags",
            "хобби": "interests",
            "основной телефон": "phone:other",
            "телефон в машине": "phone:other",
        },
    ),
    ExportFormat(
        "bitrix24",
        gettext_lazy("Bitrix24 contacts"),
        frozenset(
            {
                "обращение",
                "рабочий телефон",
                "мобильный телефон",
                "телефон для рассылок",
                "номер пейджера",
                "рабочий e mail",
                "частный e mail",
                "e mail для рассылок",
                "тип контакта",
                "доступен для всех",
            }
        ),
        {
            "id": "",
            "обращение": "",  # г-н / г-жа
            "ответственный": "",  # a person's name there, not one of our users' e-mails
            "источник": "",  # Bitrix24's own list of sources
            "тип контакта": "",
            "номер пейджера": "",
            "комментарий": "notes",
        },
    ),
    ExportFormat(
        "amocrm",
        gettext_lazy("amoCRM contacts"),
        frozenset(
            {
                "полное имя контакта",
                "рабочий телефон",
                "рабочий прямой телефон",
                "мобильный телефон",
                "рабочий email",
                "личный email",
                "другой email",
                "кем создан",
            }
        ),
        {
            "id": "",
            "ответственный": "",
            "полное имя контакта": "full_name_first",
        },
    ),
)


_PERSON_COLUMNS = frozenset(
    {"имя", "фамилия", "отчество", "обращение", "полное имя контакта", "должность"}
)
_COMPANY_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        "bitrix24_companies",
        gettext_lazy("Bitrix24 companies"),
        frozenset(
            {
                "название компании",
                "тип компании",
                "сфера деятельности",
                "кол во сотрудников",
                "годовой оборот",
                "доступна для всех",
                "рабочий телефон",
                "мобильный телефон",
                "телефон для рассылок",
                "номер пейджера",
                "рабочий e mail",
                "частный e mail",
                "e mail для рассылок",
                "корпоративный сайт",
            }
        ),
        {
            "id": "",
            "ответственный": "",
            "источник": "",
            "тип компании": "",
            "номер пейджера": "",
            "юридический адрес": "",
            "корпоративный сайт": "company_website",
            "комментарий": "notes",
        },
        excludes=_PERSON_COLUMNS,
    ),
    ExportFormat(
        "amocrm_companies",
        gettext_lazy("amoCRM companies"),
        frozenset(
            {
                "название",
                "компания",
                "рабочий телефон",
                "рабочий прямой телефон",
                "мобильный телефон",
                "рабочий email",
                "личный email",
                "другой email",
                "кем создан",
                "web",
            }
        ),
        {
            "id": "",
            "ответственный": "",
            "название": "company",
            "web": "company_website",
        },
        excludes=_PERSON_COLUMNS,
    ),
)
EXPORT_FORMATS = EXPORT_FORMATS + _COMPANY_FORMATS


def export_format_recognise(headers: list[str]) -> ExportFormat | None:
    """The tool the file was exported from, when enough of its column names are there."""
    names = {normalize(h) for h in headers}
    best, score = None, 0
    for found in EXPORT_FORMATS:
        if found.excludes & names:
            continue
        matched = len(found.signature & names)
        if matched > score:
            best, score = found, matched
    return best if score >= 3 else None


# Words in a column name that say it holds a phone or an e-mail, and of which kind.
_PHONE_WORDS = frozenset({"phone", "phones", "telephone", "tel", "телефон", "телефоны", "тел"})
_FAX_WORDS = frozenset({"fax", "факс", "факса"})
_MOBILE_WORDS = frozenset({"mobile", "cell", "iphone", "мобильный", "сотовый", "моб", "переносной"})
_EMAIL_WORDS = frozenset({"email", "emails", "mail", "почта", "почты"})
_KIND_WORDS = {
    "work": frozenset(
        {
            "work",
            "business",
            "office",
            "рабочий",
            "рабочая",
            "рабочего",
            "раб",
            "служебный",
            "прямой",
        }
    ),
    "home": frozenset({"home", "домашний", "домашняя", "дом"}),
    "personal": frozenset({"personal", "private", "личный", "личная", "частный", "частная"}),
    "other": frozenset(
        {"other", "main", "primary", "car", "другой", "другая", "дополнительный", "доп", "основной"}
    ),
}
# A column that names a phone or an e-mail but not the person's own value: its type, its label,
# a display name, an assistant's or the company's number, a pager.
_NOT_A_VALUE = frozenset(
    {
        "type",
        "label",
        "display",
        "name",
        "тип",
        "имя",
        "краткое",
        "assistant",
        "assistants",
        "помощника",
        "company",
        "компании",
        "организации",
        "pager",
        "пейджер",
        "пейджера",
        "телетайп",
        "callback",
        "radio",
        "telex",
        "tty",
        "tdd",
        "isdn",
        "yomi",
    }
)


def _point_guess(name: str) -> str:
    """A phone or e-mail column by the words of its name: "Phone : mobile", "Phone 2 - Value",
    "Business Phone 2", "E-mail 3 Address", "Рабочий e-mail", "Телефон (домашний)"."""
    words = set(name.replace("e mail", "email").split())
    if words & _NOT_A_VALUE:
        return ""
    if words & _EMAIL_WORDS:
        if words & _KIND_WORDS["personal"] or words & _KIND_WORDS["home"]:
            return "email:personal"
        if words & _KIND_WORDS["other"]:
            return "email:other"
        return "email:work"
    if words & _FAX_WORDS:
        return "phone:fax"
    if words & _PHONE_WORDS or words & _MOBILE_WORDS:
        if words & _MOBILE_WORDS:
            return "phone:mobile"
        for kind in ("work", "home", "other"):
            if words & _KIND_WORDS[kind]:
                return f"phone:{kind}"
        return "phone:mobile"
    return ""


_ADDRESS_WORDS = frozenset({"address", "адрес"})


def _address_guess(name: str) -> str:
    """ "Address (home)", "Адрес (рабочий)": an address with only its kind named; not its
    parts ("Address 1 - Street", "Business Address PO Box")."""
    words = set(name.split())
    kinds = frozenset().union(*_KIND_WORDS.values())
    if words & _ADDRESS_WORDS and not words - _ADDRESS_WORDS - kinds:
        return "address"
    return ""


def _strip_numbers(name: str) -> str:
    """ "organization 1 name" → "organization name", "примечание 2" → "примечание"."""
    return " ".join(w for w in name.split() if not w.isdigit())


def mapping_guess(headers: list[str], targets: dict[str, Target]) -> dict[str, str]:
    """``{"<column index>": "<target code>"}`` from the headers; the first column wins a field
    that takes one column.

    A column is looked up in the table of the tool the file came from (if recognised), then
    among the synonyms, then among them without its number ("E-mail 2 Address"), then by the
    words that name a phone or an e-mail and its kind."""
    words = _synonyms(targets)
    source = export_format_recognise(headers)
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for index, header in enumerate(headers):
        name = normalize(header)
        if source is not None and name in source.columns:
            code = source.columns[name]
        else:
            code = (
                words.get(name)
                or words.get(_strip_numbers(name))
                or _point_guess(_strip_numbers(name))
                or _address_guess(_strip_numbers(name))
            )
        if code not in targets:
            code = ""
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
