"""Made-up clients: names, phones, e-mail addresses, addresses and companies with valid
registration numbers, drawn from the tables of ``demo_data``.

The demo (``contacts/demo.py``) and the bench seed (``bench/seed.py``) both make their people
with ``Generator``: one set of rules, whether for 3,000 rows or a million. It needs no database,
and the same seed gives the same people on every machine. Phone numbers and e-mail addresses
are unique within one generator.
"""

from __future__ import annotations

import random
import re
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from .demo_data import (
    COMPANY_ENDINGS,
    COMPANY_ROOTS,
    COMPANY_WORDS,
    EN_FIRST_NAMES,
    EN_LAST_NAMES,
    FIRST_NAMES_FEMALE,
    FIRST_NAMES_MALE,
    FOREIGN_CITY_PHONES,
    LAST_NAMES_FEMALE,
    LAST_NAMES_MALE,
    MOBILE_CODES,
    PATRONYMICS_MALE,
    PERSONAL_DOMAINS,
    REGIONS,
    STREET_KINDS_EN,
    STREET_KINDS_RU,
    STREET_NAMES_RU,
    TRANSLIT,
    Region,
)

# --- Russian registration numbers -----------------------------------------------------------
# Check digits as the validators in contacts/validators.py verify them (FNS rules).


def _weighted(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def company_inn(first9: str) -> str:
    """INN of an organisation: nine digits and the check digit."""
    return first9 + _weighted(first9, (2, 4, 10, 3, 5, 9, 4, 6, 8))


def person_inn(first10: str) -> str:
    """INN of an individual (a sole proprietor): ten digits and two check digits."""
    eleven = first10 + _weighted(first10, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return eleven + _weighted(eleven, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def company_ogrn(first12: str) -> str:
    return first12 + str(int(first12) % 11 % 10)


def person_ogrnip(first14: str) -> str:
    return first14 + str(int(first14) % 13 % 10)


# --- words ----------------------------------------------------------------------------------


def female_patronymic(male: str) -> str:
    """Сергеевич → Сергеевна, Ильич → Ильинична."""
    if male.endswith("ич") and not male.endswith("вич"):
        return male[:-2] + "инична"
    return male[:-3] + "вна"


# Cyrillic letters to Latin ("_": dropped, as ъ and ь), spaces to hyphens; whatever is left
# that is not a Latin letter, a digit, a dot or a hyphen goes.
_TO_LATIN = str.maketrans(
    {**{ch: ("" if latin == "_" else latin) for ch, latin in TRANSLIT.items()}, " ": "-", "_": "-"}
)
_NOT_LATIN = re.compile(r"[^a-z0-9.\-]")


def translit(text: str) -> str:
    """Latin letters for e-mail addresses and site names: «Берёзка» → berezka."""
    return _NOT_LATIN.sub("", text.lower().translate(_TO_LATIN)).strip("-")


# --- companies ------------------------------------------------------------------------------

LEGAL_FORMS = {"ООО": "Общество с ограниченной ответственностью", "АО": "Акционерное общество"}
FORM_WEIGHTS = [("ООО", 62), ("АО", 13), ("ИП", 25)]


@dataclass(frozen=True)
class CompanyIdentity:
    """What a company is called and registered as; empty numbers for a foreign one."""

    title: str
    legal_name: str
    inn: str
    kpp: str
    ogrn: str
    website: str
    domain: str  # of its e-mail addresses
    slug: str


_REGION_WEIGHTS = [(r, r.weight) for r in REGIONS]

# --- the generator --------------------------------------------------------------------------


class Generator:
    """Draws people and companies from the tables with one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (made-up people, not secrets)
        self.used_numbers: set[str] = set()
        self.used_inns: set[str] = set()
        self._emails: dict[str, int] = {}  # address -> how many people asked for it
        self._weights: dict[int, tuple] = {}
        self._random = self.rng.random

    # Draws by hand rather than rng.choice() / randint(): a third of the time, which counts at
    # a million rows (the slight bias of int(random() * n) does not matter to made-up people).

    def one(self, values):
        """One of ``values``, each as likely."""
        return values[int(self._random() * len(values))]

    def between(self, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high``, both included."""
        return low + int(self._random() * (high - low + 1))

    def pick(self, weighted: list[tuple]) -> object:
        """One of the values of ``[(value, weight), …]``, as often as its weight says."""
        # What rng.choices() does, with the sums kept: this runs millions of times in the bench.
        table = self._weights.get(id(weighted))
        if table is None or table[0] is not weighted:
            values = [row[0] for row in weighted]
            cumulative = list(accumulate(row[1] for row in weighted))
            table = self._weights[id(weighted)] = (weighted, values, cumulative)
        _weighted, values, cumulative = table
        return values[bisect(cumulative, self._random() * cumulative[-1])]

    def digits(self, n: int) -> str:
        return f"{int(self._random() * 10**n):0{n}d}"

    def region(self) -> Region:
        return self.pick(_REGION_WEIGHTS)

    # people

    def russian_name(self, male: bool) -> tuple[str, str, str]:
        """(last, first, middle) as people in Russia are called today."""
        patronymic = self.one(PATRONYMICS_MALE)
        if male:
            return self.one(LAST_NAMES_MALE), self.one(FIRST_NAMES_MALE), patronymic
        return (
            self.one(LAST_NAMES_FEMALE),
            self.one(FIRST_NAMES_FEMALE),
            female_patronymic(patronymic),
        )

    def english_name(self) -> tuple[str, str, str]:
        return self.one(EN_LAST_NAMES), self.one(EN_FIRST_NAMES), ""

    def person_name(self, lang: str) -> tuple[str, str, str]:
        """A Russian-speaking client is a man a little more often than not."""
        if lang == "ru":
            return self.russian_name(self._random() < 0.55)
        return self.english_name()

    def email_local(self, first: str, last: str) -> str:
        """How people make their address from their name: ivan.petrov or ipetrov."""
        return f"{first}.{last}" if self._random() < 0.6 else f"{first[:1]}{last}"

    def address(self, lang: str, city: str) -> str:
        if lang == "ru":
            street = f"{self.one(STREET_KINDS_RU)} {self.one(STREET_NAMES_RU)}"
            return f"г. {city}, {street}, д. {self.between(1, 120)}"
        street = f"{self.one(EN_LAST_NAMES)} {self.one(STREET_KINDS_EN)}"
        return f"{self.between(1, 999)} {street}, {city}"

    # unique contact details

    def mobile(self) -> str:
        """A Russian mobile number nobody drawn from this generator has yet."""
        while True:
            number = f"+7{self.one(MOBILE_CODES)}{self.digits(7)}"
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def landline(self, region: Region | None, foreign_city: str = "") -> str:
        """An office number in the region's city codes, or in the ranges set aside for fiction
        abroad."""
        while True:
            if foreign_city in FOREIGN_CITY_PHONES:
                prefix, free = FOREIGN_CITY_PHONES[foreign_city]
                number = prefix + self.digits(free)
            else:
                code = self.one((region or REGIONS[0]).phone_codes)
                number = f"+7{code}{self.one('2345679')}{self.digits(10 - len(code) - 1)}"
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def email(self, local: str, domain: str) -> str:
        """``local@domain`` in Latin letters; the second Ivan Petrov gets ivan.petrov.2."""
        local = translit(local).replace("-", ".") or "client"
        address = f"{local}@{domain}"
        seen = self._emails.get(address, 0)
        self._emails[address] = seen + 1
        # No address is made ending in ".N" otherwise, so the numbered one is free.
        return f"{local}.{seen + 1}@{domain}" if seen else address

    def personal_email(self, local: str) -> str:
        """A private mailbox, now and then with the year of birth in it."""
        domain = self.one(PERSONAL_DOMAINS)
        if self._random() < 0.3:
            local += str(self.between(60, 99))
        return self.email(local, domain)

    def reserve(self, *, number: str = "", email: str = "") -> None:
        """Keep a number or an address given by hand from being drawn for someone else."""
        if number:
            self.used_numbers.add(number)
        if email:
            self._emails[email] = self._emails.get(email, 0) + 1

    # companies

    def company_name(self, form: str) -> tuple[str, tuple[str, str, str] | None]:
        """A made-up Russian company: its name, and the owner's name for a sole proprietor."""
        if form == "ИП":
            person = self.russian_name(self._random() < 0.6)
            last, first, middle = person
            return f"{last} {first[0]}. {middle[0]}.", person
        if self._random() < 0.7:
            return self.one(COMPANY_ROOTS) + self.one(COMPANY_ENDINGS).lower(), None
        return self.one(COMPANY_WORDS) + self.one(["", "", "-М", "+", " Плюс"]), None

    def company_identity(
        self,
        *,
        form: str,
        name: str,
        region: Region | None,
        person: tuple[str, str, str] | None = None,
    ) -> CompanyIdentity:
        """Title, legal name, INN / KPP / OGRN with valid check digits (unique INN), site.

        ``form`` is ООО, АО, ИП, or "" for a foreign company, which has no Russian numbers.
        """
        prefix = f"{region.tax_code if region else '77'}{self.between(1, 51):02d}"
        year = f"{self.between(3, 23):02d}"
        inn = kpp = ogrn = ""
        if form in LEGAL_FORMS:
            while not inn or inn in self.used_inns:
                inn = company_inn(prefix + self.digits(5))
            kpp = f"{prefix}01001"
            ogrn = company_ogrn(f"1{year}{prefix[:2]}{self.digits(7)}")
            title = f"{form} «{name}»"
            legal_name = f"{LEGAL_FORMS[form]} «{name}»"
            slug = translit(name)
        elif form == "ИП":
            while not inn or inn in self.used_inns:
                inn = person_inn(prefix + self.digits(6))
            ogrn = person_ogrnip(f"3{year}{prefix[:2]}{self.digits(9)}")
            title = f"ИП {name}"
            legal_name = "Индивидуальный предприниматель " + " ".join(person or (name,))
            slug = translit((person or (name,))[0])
        else:
            title = legal_name = name
            slug = translit(name.split()[0])
        if inn:
            self.used_inns.add(inn)
        # A sole proprietor has no site and writes from a mailbox of a public service.
        website = "" if form == "ИП" else f"https://{slug}.example"
        domain = "example.net" if form == "ИП" else f"{slug}.example"
        return CompanyIdentity(title, legal_name, inn, kpp, ogrn, website, domain, slug)
