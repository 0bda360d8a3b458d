"""Demo data of the customer base: companies, people and two years of their history.

3,000 contacts (four in five Russian, with patronymics) and 400 companies (ООО, АО and ИП with
valid INN / KPP / OGRN, plus a few foreign ones), owned by the demo sales team, with phones,
e-mails, tags, consents and a timeline of calls, e-mails, SMS, chats, meetings, notes, portal
messages, purchases, survey answers and system events. Everything is written with
``bulk_create``; the same seed gives the same people on every machine (dates are counted back
from the moment of loading).

Records the guides and the browser journeys can rely on:

- Петров Иван Сергеевич, +7 916 123-45-67, ООО «Ромашка», owned by manager@example.com, VIP,
  with a long history (calls with recordings, purchases, a survey answer, notes…);
- Морозов Алексей Викторович (ИП Морозов А. В.), Васильева Ольга Николаевна (ООО «Вектор»),
  Григорьев Павел Андреевич (ООО «Альфа-Трейд»): the other clients of manager@example.com that
  the demo tasks mention;
- Nick Orlov (Northwind Traders), John Smith (Globex Corporation), Emily Clark (Initech):
  clients of manager2@example.com;
- Кузьмина Елена Павловна, +7 903 555-01-01, entered twice (the second time from an import),
  and a few more pairs that share a phone: the duplicates list has something to merge;
- a caller known only by the number: +7 926 000-11-22.

E-mail addresses and web sites use the reserved ``example`` names (RFC 2606), so a demo mailing
pointed at a real mail server still reaches nobody.

The tables (places, names, what people say, the known clients) are in ``demo_data``; people,
phones, e-mails and companies are drawn by ``demo_generators.Generator``, which the bench seed
uses too; this module turns them into rows with their history and writes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from django.utils.translation import gettext

from crm.demo import DEMO_LOADERS, DemoContext
from crm.models import Task, User

from .demo_data import (
    CHANNELS,
    CHAT_CHANNELS,
    CONSENT_SOURCES,
    DUPLICATE_PAIRS,
    EVIDENCE_EN,
    EVIDENCE_RU,
    FOREIGN_COMPANY_KINDS,
    FOREIGN_REGIONS,
    INDUSTRIES_EN,
    INDUSTRIES_RU,
    INTERESTS_EN,
    INTERESTS_RU,
    KIND_WEIGHTS,
    KNOWN_COMPANIES,
    KNOWN_CONTACTS,
    KNOWN_DUPLICATE,
    NOTES_EN,
    NOTES_RU,
    POSITIONS_EN,
    POSITIONS_RU,
    PRODUCTS,
    REGION_BY_NAME,
    REGIONS,
    SOURCES,
    STORES,
    TAGS_COMPANY,
    TAGS_CONTACT,
    TASK_SUBJECTS,
    TEXTS,
    KnownContact,
)
from .demo_generators import FORM_WEIGHTS, Generator
from .models import Company, Consent, Contact, Email, Interaction, Phone, Purchase, Source, Tag
from .services import customer_value_refresh, rfm_recompute

SEED = 20240917
CONTACTS = 3000
COMPANIES = 400
HISTORY_DAYS = 730
BATCH = 2000

OWNER_EMAILS = ("manager@example.com", "manager2@example.com", "head@example.com")
OPERATOR_EMAIL = "operator@example.com"


# --- the loader -----------------------------------------------------------------------------


@dataclass
class _Person:
    contact: Contact
    lang: str
    phones: list[tuple[str, str]] = field(default_factory=list)  # (number, kind)
    emails: list[tuple[str, str]] = field(default_factory=list)  # (address, kind)
    tags: list[str] = field(default_factory=list)
    history: int = 0
    purchases: int = 0
    wholesale: bool = False
    all_kinds: bool = False


class _Builder:
    """Makes the objects in memory; ``save()`` writes them with a handful of bulk inserts."""

    def __init__(self, ctx: DemoContext):
        self.now = ctx.now
        self.gen = Generator(SEED)
        self.rng = self.gen.rng
        self.owners = {email: ctx.user(email) for email in OWNER_EMAILS}
        self.operator = ctx.user(OPERATOR_EMAIL)
        self.companies: list[tuple[Company, str | None, list[str]]] = []  # with form and tags
        self.company_by_key: dict[str, Company] = {}
        self.company_points: dict[int, tuple[str, str]] = {}  # id(company) -> (phone, e-mail)
        self.proprietors: list[tuple[Company, tuple[str, str, str]]] = []
        self.people: list[_Person] = []
        self.consent_rows: list[Consent] = []
        self.used_company_names: set[str] = set()
        self.seq = 0

    # small helpers

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def pick(self, weighted: list[tuple]) -> object:
        return self.gen.pick(weighted)

    def ago(self, low_days: float, high_days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=self.rng.uniform(low_days, high_days))

    # companies

    def add_company(
        self,
        *,
        form: str,
        name: str,
        region_name: str,
        owner: User,
        industry: str,
        tags: list[str],
        person: tuple[str, str, str] | None = None,
        key: str = "",
    ) -> Company:
        region = REGION_BY_NAME.get(region_name)
        who = self.gen.company_identity(form=form, name=name, region=region, person=person)
        self.used_company_names.add(who.title)
        lang = "ru" if form else "en"
        city = region.address_city if region else region_name
        created = self.ago(400, HISTORY_DAYS)
        company = Company(
            name=who.title,
            legal_name=who.legal_name,
            inn=who.inn,
            kpp=who.kpp,
            ogrn=who.ogrn,
            industry=industry,
            website=who.website,
            owner=owner,
            created_by=owner,
            source=self.pick(SOURCES),
            address=self.gen.address(lang, city),
            region=region_name,
            created_at=created,
        )
        phone = self.gen.landline(region, "" if region else region_name)
        mail = self.gen.email("info" if form != "ИП" else who.slug, who.domain)
        self.company_points[id(company)] = (phone, mail)
        self.companies.append((company, form or None, tags))
        if key:
            self.company_by_key[key] = company
        elif form == "ИП" and person:
            self.proprietors.append((company, person))
        return company

    def build_companies(self) -> None:
        for known in KNOWN_COMPANIES:
            self.add_company(
                form=known.form,
                name=known.name,
                region_name=known.region,
                owner=self.owners[known.owner],
                industry=known.industry,
                tags=list(known.tags),
                person=known.person,
                key=known.key,
            )
        foreign = 20 - sum(1 for k in KNOWN_COMPANIES if not k.form)
        while foreign:
            name = f"{self.gen.english_name()[0]} {self.rng.choice(FOREIGN_COMPANY_KINDS)}"
            if name in self.used_company_names:
                continue
            foreign -= 1
            self.add_company(
                form="",
                name=name,
                region_name=self.pick([(city, w) for city, _tz, w in FOREIGN_REGIONS]),
                owner=self.owner_for("en"),
                industry=self.rng.choice(INDUSTRIES_EN),
                tags=[],
            )
        while len(self.companies) < COMPANIES:
            form = self.pick(FORM_WEIGHTS)
            region = self.gen.region()
            name, person = self.gen.company_name(form)
            if {f"{form} «{name}»", f"ИП {name}"} & self.used_company_names:
                continue
            self.add_company(
                form=form,
                name=name,
                region_name=region.name,
                owner=self.owner_for("ru"),
                industry=self.rng.choice(INDUSTRIES_RU),
                tags=[self.pick(TAGS_COMPANY)] if self.rng.random() < 0.3 else [],
                person=person,
            )

    # people

    def owner_for(self, lang: str) -> User:
        """Russian-speaking clients go mostly to Sales North, English-speaking ones to South."""
        weights = (45, 35, 20) if lang == "ru" else (20, 70, 10)
        return self.owners[self.pick(list(zip(OWNER_EMAILS, weights, strict=True)))]

    def add_person(
        self,
        *,
        lang: str,
        company: Company | None,
        known: KnownContact | None = None,
        names: tuple[str, str, str] | None = None,
    ) -> _Person:
        rng = self.rng
        if known is not None:
            last, first, middle = known.last, known.first, known.middle
            owner = self.owners[known.owner]
            region_name = known.region
        else:
            if names is not None:
                last, first, middle = names
            else:
                last, first, middle = self.gen.person_name(lang)
            if company is not None and rng.random() < 0.8:
                owner = company.owner
            else:
                owner = self.owner_for(lang)
            if company is not None:
                region_name = company.region
            elif lang == "ru":
                region_name = self.gen.region().name
            elif rng.random() < 0.6:
                region_name = self.pick([(r[0], r[2]) for r in FOREIGN_REGIONS])
            else:
                region_name = self.rng.choice(REGIONS[:2]).name
        region = REGION_BY_NAME.get(region_name)
        time_zone = (
            region.time_zone
            if region
            else next(r[1] for r in FOREIGN_REGIONS if r[0] == region_name)
        )
        created = self.ago(30, HISTORY_DAYS)
        if known is not None and known.history >= 20:
            created = self.ago(600, HISTORY_DAYS)  # a long-standing client
        if known is not None:
            position = known.position
            source = known.source
            channel = known.preferred_channel
        else:
            position = ""
            if company is not None:
                position = rng.choice(POSITIONS_RU if lang == "ru" else POSITIONS_EN)
            source = self.pick(SOURCES)
            channel = self.pick(CHANNELS)
        anonymous = known is not None and not (last or first)
        birthday = known.birthday if known else None
        if known is None and rng.random() < 0.75:
            birthday = dt.date(rng.randint(1958, 2003), 1, 1) + dt.timedelta(
                days=rng.randrange(365)
            )
        contact = Contact(
            last_name=last,
            first_name=first,
            middle_name=middle,
            position=position,
            company=company,
            owner=owner,
            created_by=None if source in (Source.WEB_FORM, Source.PORTAL) or anonymous else owner,
            source=source,
            preferred_channel=channel,
            language=lang,
            time_zone=time_zone,
            birthday=birthday,
            region="" if anonymous else region_name,
            address="" if anonymous or rng.random() < 0.4 else self.gen.address(
                lang, region.address_city if region else region_name
            ),
            interests=(known.interests if known else "")
            or (
                "; ".join(rng.sample(INTERESTS_RU if lang == "ru" else INTERESTS_EN, rng.randint(1, 3)))
                if not anonymous and rng.random() < 0.4
                else ""
            ),
            notes=(known.notes if known else "")
            or (rng.choice(NOTES_RU if lang == "ru" else NOTES_EN) if rng.random() < 0.15 else ""),
            created_at=created,
        )  # fmt: skip
        person = _Person(contact=contact, lang=lang)
        if known is not None:
            self.gen.reserve(number=known.phone, email=known.email)
            person.phones.append((known.phone, Phone.Kind.MOBILE))
            if known.email:
                person.emails.append((known.email, Email.Kind.WORK))
            person.tags = list(known.tags)
            person.history, person.purchases = known.history, known.purchases
            person.all_kinds = known.history >= 10
        else:
            gen = self.gen
            person.phones.append((gen.mobile(), Phone.Kind.MOBILE))
            if rng.random() < 0.2:
                if company is not None and rng.random() < 0.7:
                    person.phones.append((gen.landline(region, region_name), Phone.Kind.WORK))
                else:
                    person.phones.append((gen.mobile(), Phone.Kind.HOME))
            local = gen.email_local(first, last)
            if company is not None and company.website and rng.random() < 0.75:
                person.emails.append((gen.email(local, company.website[8:]), Email.Kind.WORK))
            if not person.emails or rng.random() < 0.15:
                person.emails.append((gen.personal_email(local), Email.Kind.PERSONAL))
            if rng.random() < 0.45:
                person.tags.append(self.pick(TAGS_CONTACT))
                if rng.random() < 0.25:
                    person.tags.append(self.pick(TAGS_CONTACT))
            person.history = min(60, max(2, int(rng.lognormvariate(1.8, 0.8))))
            person.purchases = 0 if rng.random() < 0.45 else min(15, int(rng.expovariate(0.3)) + 1)
        person.tags = list(dict.fromkeys(person.tags))
        person.wholesale = "Опт" in person.tags or (
            company is not None and company.industry == "Оптовая торговля"
        )
        self.people.append(person)
        return person

    def build_people(self) -> None:
        rng = self.rng
        for known in KNOWN_CONTACTS:
            company = self.company_by_key.get(known.company) if known.company else None
            self.add_person(lang=known.language, company=company, known=known)
        # Every sole proprietor is a client in person.
        for company, names in self.proprietors:
            person = self.add_person(lang="ru", company=company, names=names)
            person.contact.position = "Индивидуальный предприниматель"
        ru_companies = [c for c, form, _t in self.companies if form in ("ООО", "АО")]
        en_companies = [c for c, form, _t in self.companies if form is None]
        duplicates = 1 + DUPLICATE_PAIRS
        while len(self.people) < CONTACTS - duplicates:
            lang = "ru" if rng.random() < 0.8 else "en"
            company = None
            if rng.random() < 0.7:
                pool = ru_companies if lang == "ru" or rng.random() < 0.5 else en_companies
                company = rng.choice(pool)
            self.add_person(lang=lang, company=company)
        self.add_duplicates()

    def add_duplicates(self) -> None:
        """The same person entered twice: from an import, or by a second manager."""
        twin = self.add_person(lang="ru", company=None, known=KNOWN_DUPLICATE)
        twin.contact.created_at = self.ago(20, 60)
        originals = self.rng.sample(
            [p for p in self.people[len(KNOWN_CONTACTS) :] if p.lang == "ru" and p.contact.company],
            DUPLICATE_PAIRS,
        )
        for i, original in enumerate(originals):
            c = original.contact
            middle = "" if self.rng.random() < 0.6 else c.middle_name
            twin = self.add_person(
                lang="ru", company=None, names=(c.last_name, c.first_name, middle)
            )
            twin.contact.source = Source.IMPORT
            twin.contact.created_at = self.ago(10, 90)
            twin.phones = [(original.phones[0][0], Phone.Kind.MOBILE)]
            if i == 0:  # this one came with the e-mail too
                twin.emails = [(original.emails[0][0], Email.Kind.PERSONAL)]
            twin.history, twin.purchases, twin.tags = 2, 0, []

    # history

    def text(self, lang: str, key: str) -> tuple[str, str]:
        subjects, bodies = TEXTS[lang][key]
        _name, spoken_ru, spoken_en, _price = self.rng.choice(PRODUCTS)
        product = spoken_ru if lang == "ru" else spoken_en
        values = {
            "product": product,
            "order": self.rng.randint(10000, 99999),
            "amount": f"{self.rng.randint(5, 500) * 1000:,}".replace(",", " "),
        }
        return (
            self.rng.choice(subjects).format(**values),
            self.rng.choice(bodies).format(**values),
        )

    def interaction(self, person: _Person, kind: str, when: dt.datetime) -> Interaction:
        rng, c = self.rng, person.contact
        lang = person.lang
        owner = c.owner
        row = Interaction(contact=c, kind=kind, occurred_at=when, author=owner)
        if kind == "call":
            incoming = rng.random() < 0.55
            row.direction = "in" if incoming else "out"
            row.channel = "pbx"
            row.external_id = f"demo-call-{self.next_seq():06d}"
            missed = incoming and rng.random() < 0.12
            if missed:
                row.subject = "Пропущенный звонок" if lang == "ru" else "Missed call"
                row.duration_seconds = 0
                row.author = None
            else:
                row.subject, row.body = self.text(lang, "call_in" if incoming else "call_out")
                row.duration_seconds = int(rng.lognormvariate(5, 0.8)) + 10
                row.recording_url = (
                    f"https://pbx.example.com/recordings/{when:%Y/%m/%d}/{row.external_id}.mp3"
                )
                if incoming and rng.random() < 0.5:
                    row.author = self.operator
            row.data = {"phone": person.phones[0][0], "missed": missed}
        elif kind == "email":
            incoming = rng.random() < 0.45
            row.direction = "in" if incoming else "out"
            row.channel = "mail"
            row.external_id = f"<demo-{self.next_seq():06d}@mail.example.com>"
            row.subject, row.body = self.text(lang, "email_in" if incoming else "email_out")
            if incoming:
                row.author = None
        elif kind == "sms":
            incoming = rng.random() < 0.2
            row.direction = "in" if incoming else "out"
            row.channel = "sms"
            row.subject, row.body = self.text(lang, "sms_in" if incoming else "sms_out")
            row.author = None
        elif kind == "chat":
            row.direction = "in"
            row.channel = rng.choice(CHAT_CHANNELS)
            row.subject, row.body = self.text(lang, "chat")
            row.author = self.operator
        elif kind == "meeting":
            row.subject, row.body = self.text(lang, "meeting")
            row.duration_seconds = rng.choice([30, 45, 60, 90, 120]) * 60
        elif kind == "note":
            _s, row.body = self.text(lang, "note")
        elif kind == "portal":
            row.direction = "in"
            row.channel = "portal"
            row.subject, row.body = self.text(lang, "portal")
            row.author = None
        elif kind == "survey":
            score = rng.choices(range(11), [1, 1, 1, 1, 2, 3, 4, 8, 12, 16, 14])[0]
            row.subject, comment = self.text(lang, "survey")
            row.body = (
                f"Оценка {score} из 10. " if lang == "ru" else f"Score {score}/10. "
            ) + comment
            row.channel = "nps"
            row.data = {"survey": "nps", "score": score}
            row.author = None
        return row

    def history(self, person: _Person) -> tuple[list[Interaction], list[Purchase]]:
        rng, c = self.rng, person.contact
        span = (self.now - c.created_at).total_seconds()
        rows: list[Interaction] = []
        with translation.override(person.lang):
            rows.append(
                Interaction(
                    contact=c,
                    kind=Interaction.Kind.SYSTEM,
                    occurred_at=c.created_at,
                    subject=gettext("Contact created"),
                    author=c.created_by,
                )
            )
            rows += self.consents(person)
        kinds = [k for k, _w in KIND_WEIGHTS] if person.all_kinds else []
        while len(kinds) < person.history:
            kinds.append(self.pick(KIND_WEIGHTS))
        for kind in kinds:
            when = c.created_at + dt.timedelta(seconds=rng.uniform(60, span))
            rows.append(self.interaction(person, kind, when))
        if person.all_kinds:
            # A recent conversation, so the card opens on something fresh.
            rows.append(self.interaction(person, "call", self.now - dt.timedelta(days=2, hours=3)))
        purchases = []
        for _ in range(person.purchases):
            lines = []
            for name, _ru, _en, price in rng.sample(PRODUCTS, rng.randint(1, 3)):
                qty = rng.randint(5, 60) if person.wholesale else rng.randint(1, 4)
                lines.append({"name": name, "qty": qty, "price": str(price)})
            purchases.append(
                Purchase(
                    contact=c,
                    purchased_at=c.created_at + dt.timedelta(seconds=rng.uniform(3600, span)),
                    amount=sum(Decimal(line["price"]) * line["qty"] for line in lines).quantize(
                        Decimal("0.01")
                    ),
                    items=lines,
                    store=rng.choice(STORES[2:] if person.wholesale else STORES),
                    external_id=f"DEMO-{self.next_seq():06d}",
                )
            )
        return rows, purchases

    def consents(self, person: _Person) -> list[Interaction]:
        """Current consents in ``self.consent_rows``; their grants and withdrawals as events."""
        rng, c = self.rng, person.contact
        evidence_texts = EVIDENCE_RU if person.lang == "ru" else EVIDENCE_EN
        odds = {
            Consent.Purpose.PERSONAL_DATA: (0.95, 0.0),
            Consent.Purpose.MARKETING_EMAIL: (0.6, 0.15),
            Consent.Purpose.MARKETING_SMS: (0.4, 0.1),
            Consent.Purpose.CALLS: (0.5, 0.0),
        }
        how = {
            Source.WEB_FORM: "web",
            Source.PORTAL: "portal",
            Source.CALL: "call",
        }.get(c.source, "paper")
        events = []
        if not (c.last_name or c.first_name):
            return []  # nobody has asked an unknown caller yet
        for purpose, (p_grant, p_withdraw) in odds.items():
            if rng.random() >= p_grant:
                continue
            at = c.created_at + dt.timedelta(minutes=rng.randint(1, 60))
            values = {
                "url": "https://shop.example.com/order",
                "ip": f"{rng.randint(31, 212)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                "at": at,
                "doc": f"{rng.randint(1, 999)}/{at:%y}",
            }  # fmt: skip
            evidence = evidence_texts[how].format(**values)
            label = Consent.Purpose(purpose).label
            events.append(
                Interaction(
                    contact=c,
                    kind=Interaction.Kind.SYSTEM,
                    occurred_at=at,
                    subject=gettext("Consent granted: %(purpose)s") % {"purpose": label},
                    body=evidence,
                    author=c.owner if how in ("paper", "call") else None,
                )
            )
            granted, source = True, CONSENT_SOURCES[how]
            if rng.random() < p_withdraw:
                at = at + (self.now - at) * rng.uniform(0.2, 0.9)
                evidence = evidence_texts["withdrawn"].format(at=at)
                granted, source = False, CONSENT_SOURCES["withdrawn"]
                events.append(
                    Interaction(
                        contact=c,
                        kind=Interaction.Kind.SYSTEM,
                        occurred_at=at,
                        subject=gettext("Consent withdrawn: %(purpose)s") % {"purpose": label},
                        body=evidence,
                    )
                )
            self.consent_rows.append(
                Consent(
                    contact=c,
                    purpose=purpose,
                    granted=granted,
                    changed_at=at,
                    source=source,
                    evidence=evidence,
                    recorded_by=c.owner if how in ("paper", "call") and granted else None,
                )
            )
        return events

    # writing

    def save(self) -> None:
        tag_names = {n for _c, _f, tags in self.companies for n in tags}
        tag_names |= {n for p in self.people for n in p.tags}
        tags = {name: _tag(name) for name in sorted(tag_names)}

        Company.objects.bulk_create([c for c, _f, _t in self.companies], batch_size=BATCH)
        company_phones, company_emails, company_tags = [], [], []
        for company, _form, names in self.companies:
            phone, mail = self.company_points[id(company)]
            company_phones.append(
                Phone(company=company, number=phone, kind=Phone.Kind.WORK, is_primary=True)
            )
            company_emails.append(Email(company=company, address=mail, is_primary=True))
            company_tags += [
                Company.tags.through(company_id=company.pk, tag_id=tags[n].pk) for n in names
            ]
        Contact.objects.bulk_create([p.contact for p in self.people], batch_size=BATCH)

        phones, emails, contact_tags = company_phones, company_emails, []
        interactions: list[Interaction] = []
        purchases: list[Purchase] = []
        for person in self.people:
            c = person.contact
            phones += [
                Phone(contact=c, number=n, kind=k, is_primary=(i == 0))
                for i, (n, k) in enumerate(person.phones)
            ]
            emails += [
                Email(contact=c, address=a, kind=k, is_primary=(i == 0))
                for i, (a, k) in enumerate(person.emails)
            ]
            contact_tags += [
                Contact.tags.through(contact_id=c.pk, tag_id=tags[n].pk) for n in person.tags
            ]
            rows, bought = self.history(person)
            interactions += rows
            purchases += bought
        Phone.objects.bulk_create(phones, batch_size=BATCH)
        Email.objects.bulk_create(emails, batch_size=BATCH)
        Company.tags.through.objects.bulk_create(company_tags, batch_size=BATCH)
        Contact.tags.through.objects.bulk_create(contact_tags, batch_size=BATCH)
        Consent.objects.bulk_create(self.consent_rows, batch_size=BATCH)
        Purchase.objects.bulk_create(purchases, batch_size=BATCH)
        # Each purchase is on the timeline too, as purchase_record() puts it there.
        interactions += [
            Interaction(
                contact=p.contact,
                kind=Interaction.Kind.PURCHASE,
                occurred_at=p.purchased_at,
                subject=f"{p.amount} {p.currency}",
                channel=p.store,
                data={"purchase_id": p.pk, "items": p.items},
            )
            for p in purchases
        ]
        Interaction.objects.bulk_create(interactions, batch_size=BATCH)


def _tag(name: str) -> Tag:
    tag = Tag.objects.filter(name__iexact=name).first()
    return tag or Tag.objects.create(name=name)


def _link_tasks() -> None:
    """Put the core data set's tasks about known clients on those clients' cards."""
    contact_type = ContentType.objects.get_for_model(Contact)
    for title, phone in TASK_SUBJECTS.items():
        contact_id = Phone.objects.filter(number=phone).values_list("contact_id", flat=True)[0]
        Task.objects.filter(title=title, content_type=None).update(
            content_type=contact_type, object_id=str(contact_id)
        )


def load_contacts(ctx: DemoContext) -> None:
    builder = _Builder(ctx)
    builder.build_companies()
    builder.build_people()
    builder.save()
    _link_tasks()
    customer_value_refresh()
    rfm_recompute()


def demo_loaders_register() -> None:
    """After the core data set, whose logins own the clients; called from
    ``ContactsConfig.ready()``."""
    DEMO_LOADERS.register("contacts", load_contacts, order=100)
