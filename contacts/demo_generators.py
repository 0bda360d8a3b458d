"""Made-up clients: names, phones, e-mail addresses, addresses and companies with valid
registration numbers, drawn from the tables of ``demo_data``.

The demo (``contacts/demo.py``) and the bench seed (``bench/seed.py``) both make their people
with ``Generator``: one set of rules, whether for 3,000 rows or a million. It needs no database,
and the same seed gives the same people on every machine. Phone numbers and e-mail addresses
are unique within one generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

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


def translit(text: str) -> str:
    """Latin letters for e-mail addresses and site names: «Берёзка» → berezka."""
    out = []
    for ch in text.lower():
        if ch in TRANSLIT:
            out.append("" if TRANSLIT[ch] == "_" else TRANSLIT[ch])
        elif ch.isascii() and (ch.isalnum() or ch in ".-"):
            out.append(ch)
        elif ch in " _":
            out.append("-")
    return "".join(out).strip("-")


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


# --- the generator --------------------------------------------------------------------------


class Generator:
    """Draws people and companies from the tables with one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (made-up people, not secrets)
        self.used_numbers: set[str] = set()
        self.used_inns: set[str] = set()
        self._emails: dict[str, int] = {}  # address -> how many people asked for it

    def pick(self, weighted: list[tuple]) -> object:
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights)[0]

    def digits(self, n: int) -> str:
        return f"{self.rng.randrange(10**n):0{n}d}"

    def region(self) -> Region:
        return self.pick([(r, r.weight) for r in REGIONS])

    # people

    def russian_name(self, male: bool) -> tuple[str, str, str]:
        """(last, first, middle) as people in Russia are called today."""
        rng = self.rng
        patronymic = rng.choice(PATRONYMICS_MALE)
        if male:
            return rng.choice(LAST_NAMES_MALE), rng.choice(FIRST_NAMES_MALE), patronymic
        return (
            rng.choice(LAST_NAMES_FEMALE),
            rng.choice(FIRST_NAMES_FEMALE),
            female_patronymic(patronymic),
        )

    def english_name(self) -> tuple[str, str, str]:
        return self.rng.choice(EN_LAST_NAMES), self.rng.choice(EN_FIRST_NAMES), ""

    def person_name(self, lang: str) -> tuple[str, str, str]:
        """A Russian-speaking client is a man a little more often than not."""
        if lang == "ru":
            return self.russian_name(self.rng.random() < 0.55)
        return self.english_name()

    def email_local(self, first: str, last: str) -> str:
        """How people make their address from their name: ivan.petrov or ipetrov."""
        return f"{first}.{last}" if self.rng.random() < 0.6 else f"{first[:1]}{last}"

    def address(self, lang: str, city: str) -> str:
        rng = self.rng
        if lang == "ru":
            street = f"{rng.choice(STREET_KINDS_RU)} {rng.choice(STREET_NAMES_RU)}"
            return f"г. {city}, {street}, д. {rng.randint(1, 120)}"
        street = f"{rng.choice(EN_LAST_NAMES)} {rng.choice(STREET_KINDS_EN)}"
        return f"{rng.randint(1, 999)} {street}, {city}"

    # unique contact details

    def mobile(self) -> str:
        """A Russian mobile number nobody drawn from this generator has yet."""
        while True:
            number = f"+7{self.rng.choice(MOBILE_CODES)}{self.digits(7)}"
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
                code = self.rng.choice((region or REGIONS[0]).phone_codes)
                number = f"+7{code}{self.rng.choice('2345679')}{self.digits(10 - len(code) - 1)}"
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
        domain = self.rng.choice(PERSONAL_DOMAINS)
        if self.rng.random() < 0.3:
            local += str(self.rng.randint(60, 99))
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
        rng = self.rng
        if form == "ИП":
            person = self.russian_name(rng.random() < 0.6)
            last, first, middle = person
            return f"{last} {first[0]}. {middle[0]}.", person
        if rng.random() < 0.7:
            return rng.choice(COMPANY_ROOTS) + rng.choice(COMPANY_ENDINGS).lower(), None
        return rng.choice(COMPANY_WORDS) + rng.choice(["", "", "-М", "+", " Плюс"]), None

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
        prefix = f"{region.tax_code if region else '77'}{self.rng.randint(1, 51):02d}"
        year = f"{self.rng.randint(3, 23):02d}"
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
