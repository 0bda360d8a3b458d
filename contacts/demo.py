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
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

import phonenumbers
from django.utils import translation
from django.utils.translation import gettext
from faker import Faker

from crm.demo import DEMO_LOADERS, DemoContext
from crm.models import User

from .models import (
    Channel,
    Company,
    Consent,
    Contact,
    Email,
    Interaction,
    Phone,
    Purchase,
    Source,
    Tag,
)
from .services import customer_value_refresh, rfm_recompute

SEED = 20240917
CONTACTS = 3000
COMPANIES = 400
HISTORY_DAYS = 730
BATCH = 2000

OWNER_EMAILS = ("manager@example.com", "manager2@example.com", "head@example.com")
OPERATOR_EMAIL = "operator@example.com"


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


# --- where clients live ---------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    name: str
    weight: int
    time_zone: str
    tax_code: str  # first two digits of INN / KPP / OGRN
    phone_codes: tuple[str, ...]  # city codes for landlines, after +7
    city: str = ""

    @property
    def address_city(self) -> str:
        return self.city or self.name


REGIONS = [
    Region("Москва", 36, "Europe/Moscow", "77", ("495", "499")),
    Region("Санкт-Петербург", 16, "Europe/Moscow", "78", ("812",)),
    Region("Казань", 7, "Europe/Moscow", "16", ("843",)),
    Region("Новосибирск", 7, "Asia/Novosibirsk", "54", ("383",)),
    Region("Екатеринбург", 7, "Asia/Yekaterinburg", "66", ("343",)),
    Region("Нижний Новгород", 5, "Europe/Moscow", "52", ("831",)),
    Region("Краснодар", 5, "Europe/Moscow", "23", ("861",)),
    Region("Самара", 4, "Europe/Samara", "63", ("846",)),
    Region("Ростов-на-Дону", 4, "Europe/Moscow", "61", ("863",)),
    Region("Московская область", 5, "Europe/Moscow", "50", ("496", "498"), city="Химки"),
    Region("Владивосток", 2, "Asia/Vladivostok", "25", ("423",)),
    Region("Калининград", 2, "Europe/Kaliningrad", "39", ("4012",)),
]
REGION_BY_NAME = {r.name: r for r in REGIONS}
# English-speaking clients: some live abroad, the others in the big Russian cities.
FOREIGN_REGIONS = [
    ("London", "Europe/London", 30),
    ("New York", "America/New_York", 10),
    ("Berlin", "Europe/Berlin", 8),
    ("Dubai", "Asia/Dubai", 7),
]
# Ranges set aside for fiction: 020 7946 0xxx in London, 555-01xx in New York.
FOREIGN_CITY_PHONES = {"London": ("+442079460", 3), "New York": ("+121255501", 2)}

MOBILE_CODES = [
    "900", "901", "902", "903", "904", "905", "906", "908", "909", "910", "911", "912", "913",
    "914", "915", "916", "917", "918", "919", "920", "921", "922", "923", "924", "925", "926",
    "927", "928", "929", "930", "931", "936", "937", "950", "951", "952", "953", "958", "960",
    "961", "962", "963", "964", "965", "966", "967", "968", "969", "977", "978", "980", "981",
    "982", "983", "985", "987", "988", "989", "991", "992", "993", "995", "996", "999",
]  # fmt: skip

# --- vocabularies ---------------------------------------------------------------------------

# Names people in Russia have today (Faker's lists lean to the old and the rare); the surnames
# come from Faker.
FIRST_NAMES_MALE = [
    "Александр", "Алексей", "Анатолий", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Валерий",
    "Василий", "Виктор", "Виталий", "Владимир", "Владислав", "Вячеслав", "Геннадий", "Георгий",
    "Глеб", "Григорий", "Даниил", "Денис", "Дмитрий", "Евгений", "Егор", "Иван", "Игорь", "Илья",
    "Кирилл", "Константин", "Леонид", "Максим", "Марк", "Михаил", "Никита", "Николай", "Олег",
    "Павел", "Пётр", "Роман", "Руслан", "Сергей", "Станислав", "Степан", "Тимур", "Фёдор",
    "Юрий", "Ярослав",
]  # fmt: skip
FIRST_NAMES_FEMALE = [
    "Александра", "Алина", "Алла", "Анастасия", "Анна", "Валентина", "Валерия", "Вера",
    "Виктория", "Галина", "Дарья", "Диана", "Евгения", "Екатерина", "Елена", "Елизавета",
    "Жанна", "Ирина", "Кристина", "Ксения", "Лариса", "Лидия", "Любовь", "Людмила", "Маргарита",
    "Марина", "Мария", "Надежда", "Наталья", "Нина", "Оксана", "Ольга", "Полина", "Светлана",
    "София", "Татьяна", "Юлия", "Яна",
]  # fmt: skip
PATRONYMICS_MALE = [
    "Александрович", "Алексеевич", "Анатольевич", "Андреевич", "Антонович", "Борисович",
    "Вадимович", "Валерьевич", "Васильевич", "Викторович", "Витальевич", "Владимирович",
    "Вячеславович", "Геннадьевич", "Георгиевич", "Григорьевич", "Дмитриевич", "Евгеньевич",
    "Игоревич", "Ильич", "Константинович", "Леонидович", "Михайлович", "Николаевич", "Олегович",
    "Павлович", "Петрович", "Романович", "Сергеевич", "Станиславович", "Степанович",
    "Фёдорович", "Юрьевич",
]  # fmt: skip


def female_patronymic(male: str) -> str:
    """Сергеевич → Сергеевна, Ильич → Ильинична."""
    if male.endswith("ич") and not male.endswith("вич"):
        return male[:-2] + "инична"
    return male[:-3] + "вна"


COMPANY_ROOTS = [
    "Строй", "Техно", "Агро", "Торг", "Мед", "Энерго", "Авто", "Инвест", "Транс", "Спец", "Эко",
    "Промо", "Сиб", "Волга", "Нева", "Урал", "Балт", "Евро", "Мега", "Гранд", "Старт", "Север",
    "Юг", "Кедр", "Альфа", "Бета", "Вега", "Орион", "Сфера", "Лидер",
]  # fmt: skip
COMPANY_ENDINGS = [
    "Сервис", "Трейд", "Монтаж", "Групп", "Комплект", "Снаб", "Логистик", "Пром", "Маркет",
    "Проект", "Лайн", "Систем", "Ресурс", "Стандарт", "Холдинг", "Поставка",
]  # fmt: skip
COMPANY_WORDS = [
    "Ромашка", "Берёзка", "Радуга", "Прогресс", "Восход", "Меридиан", "Горизонт", "Гарант",
    "Магистраль", "Феникс", "Парус", "Созвездие", "Импульс", "Рубин", "Янтарь", "Кристалл", "Садко",
    "Витязь", "Аврора", "Атлант", "Ладья", "Континент",
]  # fmt: skip
INDUSTRIES_RU = [
    "Оптовая торговля",
    "Розничная торговля",
    "Строительство",
    "Производство",
    "Логистика",
    "IT и телеком",
    "Медицина",
    "Общепит",
    "Сельское хозяйство",
    "Образование",
    "Финансы",
    "Недвижимость",
]
INDUSTRIES_EN = ["Wholesale", "Retail", "Manufacturing", "Logistics", "Software", "Consulting"]
POSITIONS_RU = [
    "Генеральный директор",
    "Коммерческий директор",
    "Финансовый директор",
    "Главный бухгалтер",
    "Бухгалтер",
    "Менеджер по закупкам",
    "Руководитель отдела снабжения",
    "Начальник склада",
    "Главный инженер",
    "Инженер-сметчик",
    "Офис-менеджер",
    "Юрист",
    "Специалист по тендерам",
    "Директор по развитию",
    "Управляющий магазином",
    "Технический директор",
]
POSITIONS_EN = [
    "CEO",
    "Procurement manager",
    "Head of purchasing",
    "Chief financial officer",
    "Operations manager",
    "Office manager",
    "Buyer",
    "Managing director",
    "Account manager",
]
INTERESTS_RU = [
    "рыбалка", "теннис", "горные лыжи", "шахматы", "фотография", "путешествия", "футбол", "хоккей",
    "вино", "йога", "бег", "охота", "садоводство", "кулинария", "театр", "джаз", "автомобили",
    "история", "бильярд", "настольные игры",
]  # fmt: skip
INTERESTS_EN = [
    "golf", "sailing", "jazz", "running", "photography", "travel", "cooking", "chess", "cycling",
    "football", "wine", "theatre",
]  # fmt: skip
NOTES_RU = [
    "Предпочитает звонки после 14:00.",
    "Решения принимает вместе с финансовым директором.",
    "Просил присылать счета только на электронную почту.",
    "Важна скорость доставки, на цену реагирует спокойно.",
    "Работает с конкурентом, сравнивает условия.",
    "Не звонить по понедельникам до обеда.",
    "Интересуется отсрочкой платежа.",
    "Лоялен, рекомендовал нас двум партнёрам.",
]
NOTES_EN = [
    "Prefers e-mail; replies within a day.",
    "Decides together with the finance team.",
    "Asked for quotes in EUR as well.",
    "Very price-sensitive, compares us with two other suppliers.",
]
TAGS_CONTACT = [
    ("VIP", 4),
    ("Опт", 14),
    ("Розница", 20),
    ("Постоянный клиент", 12),
    ("Новый клиент", 10),
    ("Партнёр", 4),
    ("Рассрочка", 3),
    ("Key account", 2),
]
TAGS_COMPANY = [("Опт", 20), ("Партнёр", 8), ("Дилер", 8), ("Тендер", 6), ("Госзаказчик", 4)]
SOURCES = [
    (Source.WEB_FORM, 26),
    (Source.CALL, 22),
    (Source.REFERRAL, 12),
    (Source.CAMPAIGN, 10),
    (Source.EXHIBITION, 6),
    (Source.EMAIL, 8),
    (Source.PORTAL, 5),
    (Source.IMPORT, 8),
    (Source.OTHER, 3),
]
CHANNELS = [
    (Channel.PHONE, 35),
    (Channel.EMAIL, 25),
    (Channel.SMS, 10),
    (Channel.MESSENGER, 15),
    (Channel.MEETING, 5),
    ("", 10),
]
# (catalogue name, as the client says it in Russian, in English, price)
PRODUCTS = [
    ("Кофемашина Saeco Lirika", "кофемашину Saeco Lirika", "the Saeco Lirika coffee machine", Decimal("54990")),
    ("Кофе в зёрнах, 1 кг", "кофе в зёрнах", "coffee beans", Decimal("1890")),
    ("Чай листовой, 500 г", "листовой чай", "loose-leaf tea", Decimal("990")),
    ("Фильтр для воды", "фильтры для воды", "water filters", Decimal("2490")),
    ("Кулер для воды напольный", "напольный кулер", "a floor-standing water cooler", Decimal("12900")),
    ("Вода питьевая 19 л", "питьевую воду", "drinking water", Decimal("390")),
    ("Стаканы бумажные (1000 шт.)", "бумажные стаканы", "paper cups", Decimal("1450")),
    ("Сервисное обслуживание, месяц", "сервисное обслуживание", "monthly servicing", Decimal("4500")),
    ("Сахар порционный (1000 шт.)", "порционный сахар", "sugar sticks", Decimal("1150")),
    ("Капсулы (100 шт.)", "капсулы", "coffee capsules", Decimal("3200")),
]  # fmt: skip
STORES = ["Интернет-магазин", "Магазин на Тверской", "Отдел оптовых продаж", "Маркетплейс"]

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "_", "y", "_", "e", "yu", "ya"],
        strict=True,
    )
)  # fmt: skip


def translit(text: str) -> str:
    """Latin letters for e-mail addresses and site names: «Берёзка» → berezka."""
    out = []
    for ch in text.lower():
        if ch in _TRANSLIT:
            out.append("" if _TRANSLIT[ch] == "_" else _TRANSLIT[ch])
        elif ch.isascii() and (ch.isalnum() or ch in ".-"):
            out.append(ch)
        elif ch in " _":
            out.append("-")
    return "".join(out).strip("-")


# --- what people say on each channel ---------------------------------------------------------
# {kind: (subjects, bodies)} per language; "{product}" (in Russian in the accusative), "{order}"
# and "{amount}" are filled in.

TEXTS = {
    "ru": {
        "call_in": (
            ["Входящий звонок"],
            [
                "Уточнял сроки доставки по заказу №{order}.",
                "Хочет заказать {product}, спрашивал о сроках.",
                "Просил выставить счёт на {product}.",
                "Жалоба на задержку доставки, пообещали перезвонить.",
                "Интересовался скидкой при заказе от 50 000 ₽.",
                "Сообщил, что оплата по счёту №{order} прошла.",
            ],
        ),
        "call_out": (
            ["Исходящий звонок"],
            [
                "Напомнили об оплате счёта №{order}.",
                "Предложили попробовать {product}.",
                "Согласовали дату встречи.",
                "Уточнили реквизиты для договора.",
                "Собрали отзыв о последней поставке.",
            ],
        ),
        "email_in": (
            ["Re: Коммерческое предложение", "Вопрос по счёту №{order}", "Заявка на поставку"],
            [
                "Добрый день! Прошу прислать счёт на {product}.",
                "Здравствуйте, подскажите сроки поставки по заказу №{order}.",
                "Получили КП, обсуждаем с руководством.",
            ],
        ),
        "email_out": (
            ["Коммерческое предложение", "Счёт на оплату №{order}", "Акты сверки за квартал"],
            [
                "Добрый день! Во вложении коммерческое предложение на {product}.",
                "Направляем счёт №{order} на сумму {amount} ₽.",
                "Направляем акт сверки, просим подписать и вернуть скан.",
            ],
        ),
        "sms_out": (
            [""],
            [
                "Ваш заказ №{order} передан в службу доставки.",
                "Заказ №{order} готов к выдаче.",
                "Напоминаем о встрече завтра в 11:00.",
                "Скидка 10% на {product} до конца месяца.",
            ],
        ),
        "sms_in": ([""], ["Спасибо, получил.", "Перезвоните, пожалуйста, после 15:00."]),
        "chat": (
            ["Чат"],
            [
                "Клиент: Добрый день, заказ №{order} ещё в пути? — Оператор: Да, доставим завтра.",
                "Клиент: Можно заказать {product} на завтра? — Оператор: Да, оформляю.",
                "Клиент: Как получить закрывающие документы? — Оператор: Они в личном кабинете.",
            ],
        ),
        "meeting": (
            ["Встреча в офисе клиента", "Презентация продукции", "Переговоры по договору"],
            [
                "Обсудили объёмы на следующий квартал.",
                "Показали образцы, клиент готов взять на пробу {product}.",
                "Согласовали отсрочку платежа 30 дней.",
            ],
        ),
        "note": ([""], NOTES_RU),
        "portal": (
            ["Сообщение в личном кабинете"],
            [
                "Прошу прислать закрывающие документы по заказу №{order}.",
                "Не могу найти счёт №{order} в кабинете.",
                "Хотим изменить адрес доставки.",
            ],
        ),
        "survey": (
            ["NPS-опрос после покупки"],
            [
                "Всё отлично, спасибо!",
                "Доставка могла бы быть быстрее.",
                "Менеджер всегда на связи.",
                "Цены выросли, рассматриваем других поставщиков.",
            ],
        ),
    },
    "en": {
        "call_in": (
            ["Incoming call"],
            [
                "Asked when order #{order} will be delivered.",
                "Asked when {product} will be back in stock.",
                "Requested an invoice for {product}.",
                "Confirmed the payment of invoice #{order}.",
            ],
        ),
        "call_out": (
            ["Outgoing call"],
            [
                "Reminded about invoice #{order}.",
                "Offered to try {product}.",
                "Agreed on a meeting date.",
                "Asked for feedback on the last delivery.",
            ],
        ),
        "email_in": (
            ["Re: Our quote", "Question about invoice #{order}", "Purchase request"],
            [
                "Hello, could you send an invoice for {product}?",
                "Hi, when can we expect order #{order}?",
                "We received the quote and are discussing it internally.",
            ],
        ),
        "email_out": (
            ["Quote", "Invoice #{order}", "Quarterly statement"],
            [
                "Please find attached our quote for {product}.",
                "Attached is invoice #{order} for {amount} RUB.",
                "Please sign and return the quarterly statement.",
            ],
        ),
        "sms_out": (
            [""],
            ["Your order #{order} has been shipped.", "Reminder: our meeting tomorrow at 11:00."],
        ),
        "sms_in": ([""], ["Thanks, received.", "Please call me after 3 pm."]),
        "chat": (
            ["Chat"],
            [
                "Client: Is order #{order} on its way? — Operator: Yes, delivery tomorrow.",
                "Client: Do you have {product}? — Operator: Yes, shall I reserve it?",
            ],
        ),
        "meeting": (
            ["Meeting at the client's office", "Product demo", "Contract negotiation"],
            ["Discussed volumes for next quarter.", "Agreed on 30 days payment terms."],
        ),
        "note": ([""], NOTES_EN),
        "portal": (
            ["Portal message"],
            ["Please send the closing documents for order #{order}.", "We moved to a new office."],
        ),
        "survey": (
            ["NPS survey after purchase"],
            ["Great service, thank you!", "Delivery could be faster.", "Prices went up."],
        ),
    },
}
# How often each kind happens, apart from purchases, consents and the "created" event.
KIND_WEIGHTS = [
    ("call", 30),
    ("email", 20),
    ("sms", 9),
    ("chat", 10),
    ("meeting", 5),
    ("note", 8),
    ("portal", 5),
    ("survey", 3),
]
CHAT_CHANNELS = ["telegram", "whatsapp", "site-chat"]

EVIDENCE_RU = {
    "web": "Отмечен флажок «Согласен на обработку персональных данных» в форме {url}, "
    "IP {ip}, {at:%d.%m.%Y %H:%M}.",
    "paper": "Согласие подписано на бумаге при заключении договора №{doc}, скан в карточке "
    "договора.",
    "call": "Устное согласие в звонке {at:%d.%m.%Y %H:%M}, запись разговора сохранена.",
    "portal": "Согласие дано в личном кабинете {at:%d.%m.%Y %H:%M}, IP {ip}.",
    "withdrawn": "Клиент перешёл по ссылке «Отписаться» в письме от {at:%d.%m.%Y}.",
}
EVIDENCE_EN = {
    "web": "Ticked “I agree to the processing of my personal data” on {url}, IP {ip}, "
    "{at:%Y-%m-%d %H:%M}.",
    "paper": "Signed a paper consent with contract No. {doc}; the scan is with the contract.",
    "call": "Agreed orally during the call on {at:%Y-%m-%d %H:%M}; the recording is kept.",
    "portal": "Agreed in the client portal on {at:%Y-%m-%d %H:%M}, IP {ip}.",
    "withdrawn": "Clicked “Unsubscribe” in the e-mail of {at:%Y-%m-%d}.",
}
CONSENT_SOURCES = {
    "web": "web form",
    "paper": "paper form",
    "call": "call",
    "portal": "client portal",
    "withdrawn": "unsubscribe link",
}


# --- the people everybody knows -------------------------------------------------------------


@dataclass(frozen=True)
class KnownCompany:
    key: str
    form: str  # ООО, АО, ИП or "" for a foreign company
    name: str
    region: str
    owner: str
    industry: str
    tags: tuple[str, ...] = ()
    person: tuple[str, str, str] | None = None  # the sole proprietor: last, first, middle


@dataclass(frozen=True)
class KnownContact:
    last: str
    first: str
    middle: str
    phone: str
    company: str | None
    owner: str
    position: str = ""
    email: str = ""
    language: str = "ru"
    region: str = "Москва"
    tags: tuple[str, ...] = ()
    history: int = 12
    purchases: int = 3
    birthday: dt.date | None = None
    preferred_channel: str = Channel.PHONE
    source: str = Source.CALL
    notes: str = ""
    interests: str = ""


KNOWN_COMPANIES = [
    KnownCompany(
        "romashka", "ООО", "Ромашка", "Москва", "manager@example.com", "Оптовая торговля",
        ("Опт", "Партнёр"),
    ),
    KnownCompany("vector", "ООО", "Вектор", "Москва", "manager@example.com", "Строительство"),
    KnownCompany(
        "alfa", "ООО", "Альфа-Трейд", "Санкт-Петербург", "manager@example.com",
        "Оптовая торговля", ("Опт",),
    ),
    KnownCompany(
        "morozov", "ИП", "Морозов А. В.", "Казань", "manager@example.com", "Розничная торговля",
        person=("Морозов", "Алексей", "Викторович"),
    ),
    KnownCompany(
        "stroymontazh", "АО", "СтройМонтаж", "Екатеринбург", "head@example.com",
        "Строительство", ("Тендер",),
    ),
    KnownCompany("northwind", "", "Northwind Traders", "London", "manager2@example.com", "Wholesale"),
    KnownCompany("globex", "", "Globex Corporation", "New York", "manager2@example.com", "Manufacturing"),
    KnownCompany("initech", "", "Initech", "Berlin", "manager2@example.com", "Software"),
]  # fmt: skip

KNOWN_CONTACTS = [
    KnownContact(
        "Петров", "Иван", "Сергеевич", "+79161234567", "romashka", "manager@example.com",
        position="Коммерческий директор", email="i.petrov@romashka.example",
        tags=("VIP", "Опт"), history=48, purchases=9, birthday=dt.date(1978, 4, 12),
        source=Source.EXHIBITION, notes="Предпочитает звонки после 14:00. Решения по закупкам "
        "принимает сам, договор поставки продлевается ежегодно в марте.",
        interests="рыбалка; хоккей",
    ),
    KnownContact(
        "Морозов", "Алексей", "Викторович", "+79172345678", "morozov", "manager@example.com",
        position="Индивидуальный предприниматель", email="morozov.av@example.net",
        region="Казань", tags=("Розница",), history=20, purchases=5,
    ),
    KnownContact(
        "Васильева", "Ольга", "Николаевна", "+79263456789", "vector", "manager@example.com",
        position="Менеджер по закупкам", email="o.vasilyeva@vektor.example", history=18,
        purchases=2, preferred_channel=Channel.EMAIL, source=Source.WEB_FORM,
    ),
    KnownContact(
        "Григорьев", "Павел", "Андреевич", "+79114567890", "alfa", "manager@example.com",
        position="Генеральный директор", email="grigoryev@alfa-treyd.example",
        region="Санкт-Петербург", tags=("Опт",), history=22, purchases=4,
        source=Source.REFERRAL,
    ),
    KnownContact(
        "Orlov", "Nick", "", "+79035678901", "northwind", "manager2@example.com",
        position="Head of purchasing", email="nick.orlov@northwind.example", language="en",
        region="London", tags=("Key account",), history=24, purchases=4,
        preferred_channel=Channel.EMAIL, source=Source.EXHIBITION,
    ),
    KnownContact(
        "Smith", "John", "", "+79856789012", "globex", "manager2@example.com",
        position="Procurement manager", email="john.smith@globex.example", language="en",
        region="New York", history=14, purchases=2, preferred_channel=Channel.EMAIL,
        source=Source.WEB_FORM,
    ),
    KnownContact(
        "Clark", "Emily", "", "+79037890123", "initech", "manager2@example.com",
        position="Operations manager", email="emily.clark@initech.example", language="en",
        region="Berlin", history=10, purchases=1, preferred_channel=Channel.MEETING,
        source=Source.CAMPAIGN,
    ),
    KnownContact(
        "Кузьмина", "Елена", "Павловна", "+79035550101", "stroymontazh", "head@example.com",
        position="Главный бухгалтер", email="kuzmina@stroymontazh.example",
        region="Екатеринбург", history=12, purchases=1,
    ),
    KnownContact(
        "", "", "", "+79260001122", None, "manager@example.com", history=2, purchases=0,
        preferred_channel="", source=Source.CALL,
    ),
]  # fmt: skip
# The second card of a person, made by an import: the same phone, a shorter name.
KNOWN_DUPLICATE = KnownContact(
    "Кузьмина", "Елена", "", "+79035550101", None, "manager2@example.com",
    email="e.kuzmina@example.com", region="Екатеринбург", history=3, purchases=0,
    source=Source.IMPORT, preferred_channel="",
)  # fmt: skip
DUPLICATE_PAIRS = 7  # more pairs of contacts that share a mobile number


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
        self.rng = random.Random(SEED)  # noqa: S311 (made-up people, not secrets)
        self.fake = {"ru": Faker("ru_RU"), "en": Faker("en_US")}
        for i, fake in enumerate(self.fake.values()):
            fake.seed_instance(SEED + i)
        self.owners = {email: ctx.user(email) for email in OWNER_EMAILS}
        self.operator = ctx.user(OPERATOR_EMAIL)
        self.companies: list[tuple[Company, str | None, list[str]]] = []  # with form and tags
        self.company_by_key: dict[str, Company] = {}
        self.company_points: dict[int, tuple[str, str]] = {}  # id(company) -> (phone, e-mail)
        self.proprietors: list[tuple[Company, tuple[str, str, str]]] = []
        self.people: list[_Person] = []
        self.consent_rows: list[Consent] = []
        self.used_numbers: set[str] = set()
        self.used_emails: set[str] = set()
        self.used_inns: set[str] = set()
        self.used_company_names: set[str] = set()
        self.seq = 0

    # small helpers

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def pick(self, weighted: list[tuple]) -> object:
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights)[0]

    def ago(self, low_days: float, high_days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=self.rng.uniform(low_days, high_days))

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def mobile(self) -> str:
        while True:
            number = f"+7{self.rng.choice(MOBILE_CODES)}{self.digits(7)}"
            if number not in self.used_numbers and _valid(number):
                self.used_numbers.add(number)
                return number

    def landline(self, region: Region | None, foreign_city: str = "") -> str:
        while True:
            if foreign_city in FOREIGN_CITY_PHONES:
                prefix, free = FOREIGN_CITY_PHONES[foreign_city]
                number = prefix + self.digits(free)
            else:
                code = self.rng.choice((region or REGIONS[0]).phone_codes)
                number = f"+7{code}{self.rng.choice('2345679')}{self.digits(10 - len(code) - 1)}"
            if number not in self.used_numbers and _valid(number):
                self.used_numbers.add(number)
                return number

    def email(self, local: str, domain: str) -> str:
        local = translit(local).replace("-", ".") or "client"
        address = f"{local}@{domain}"
        while address in self.used_emails:
            address = f"{local}{self.rng.randint(1, 99)}@{domain}"
        self.used_emails.add(address)
        return address

    def region(self) -> Region:
        return self.pick([(r, r.weight) for r in REGIONS])

    def address(self, lang: str, city: str) -> str:
        street = self.fake["ru" if lang == "ru" else "en"].street_address()
        return f"г. {city}, {street}" if lang == "ru" else f"{street}, {city}"

    # companies

    def tax_prefix(self, region: Region | None) -> str:
        code = region.tax_code if region else "77"
        return f"{code}{self.rng.randint(1, 51):02d}"

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
        prefix = self.tax_prefix(region)
        year = f"{self.rng.randint(3, 23):02d}"
        inn = kpp = ogrn = ""
        if form in ("ООО", "АО"):
            while not inn or inn in self.used_inns:
                inn = company_inn(prefix + self.digits(5))
            kpp = f"{prefix}01001"
            ogrn = company_ogrn(f"1{year}{prefix[:2]}{self.digits(7)}")
            title = f"{form} «{name}»"
            legal = {
                "ООО": "Общество с ограниченной ответственностью",
                "АО": "Акционерное общество",
            }[form]
            legal_name = f"{legal} «{name}»"
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
        self.used_inns.add(inn)
        self.used_company_names.add(title)
        lang = "ru" if form else "en"
        city = region.address_city if region else region_name
        created = self.ago(400, HISTORY_DAYS)
        company = Company(
            name=title,
            legal_name=legal_name,
            inn=inn,
            kpp=kpp,
            ogrn=ogrn,
            industry=industry,
            website="" if form == "ИП" else f"https://{slug}.example",
            owner=owner,
            created_by=owner,
            source=self.pick(SOURCES),
            address=self.address(lang, city),
            region=region_name,
            created_at=created,
        )
        domain = f"{slug}.example" if form != "ИП" else "example.net"
        phone = self.landline(region, "" if region else region_name)
        mail = self.email("info" if form != "ИП" else slug, domain)
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
        for _ in range(foreign):
            name = self.fake["en"].company()
            while name in self.used_company_names:
                name = self.fake["en"].company()
            self.add_company(
                form="",
                name=f"{name} {self.rng.choice(['Ltd', 'Inc.', 'GmbH', 'LLC'])}",
                region_name=self.pick([(city, w) for city, _tz, w in FOREIGN_REGIONS]),
                owner=self.owner_for("en"),
                industry=self.rng.choice(INDUSTRIES_EN),
                tags=[],
            )
        while len(self.companies) < COMPANIES:
            form = self.pick([("ООО", 62), ("АО", 13), ("ИП", 25)])
            region = self.region()
            person = None
            if form == "ИП":
                person = self.russian_name(self.rng.random() < 0.6)
                last, first, middle = person
                name = f"{last} {first[0]}. {middle[0]}."
            elif self.rng.random() < 0.7:
                name = self.rng.choice(COMPANY_ROOTS) + self.rng.choice(COMPANY_ENDINGS).lower()
            else:
                name = self.rng.choice(COMPANY_WORDS) + self.rng.choice(
                    ["", "", "-М", "+", " Плюс"]
                )
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

    def russian_name(self, male: bool) -> tuple[str, str, str]:
        fake, patronymic = self.fake["ru"], self.rng.choice(PATRONYMICS_MALE)
        if male:
            return fake.last_name_male(), self.rng.choice(FIRST_NAMES_MALE), patronymic
        return (
            fake.last_name_female(),
            self.rng.choice(FIRST_NAMES_FEMALE),
            female_patronymic(patronymic),
        )

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
            elif lang == "ru":
                last, first, middle = self.russian_name(rng.random() < 0.55)
            else:
                fake = self.fake["en"]
                last, first, middle = fake.last_name(), fake.first_name(), ""
            if company is not None and rng.random() < 0.8:
                owner = company.owner
            else:
                owner = self.owner_for(lang)
            if company is not None:
                region_name = company.region
            elif lang == "ru":
                region_name = self.region().name
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
            address="" if anonymous or rng.random() < 0.4 else self.address(
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
            self.used_numbers.add(known.phone)
            person.phones.append((known.phone, Phone.Kind.MOBILE))
            if known.email:
                self.used_emails.add(known.email)
                person.emails.append((known.email, Email.Kind.WORK))
            person.tags = list(known.tags)
            person.history, person.purchases = known.history, known.purchases
            person.all_kinds = known.history >= 10
        else:
            person.phones.append((self.mobile(), Phone.Kind.MOBILE))
            if rng.random() < 0.2:
                if company is not None and rng.random() < 0.7:
                    person.phones.append((self.landline(region, region_name), Phone.Kind.WORK))
                else:
                    person.phones.append((self.mobile(), Phone.Kind.HOME))
            local = f"{first}.{last}" if rng.random() < 0.6 else f"{first[:1]}{last}"
            if company is not None and company.website and rng.random() < 0.75:
                person.emails.append((self.email(local, company.website[8:]), Email.Kind.WORK))
            if not person.emails or rng.random() < 0.15:
                domain = rng.choice(["example.com", "example.net", "example.org"])
                if rng.random() < 0.3:
                    local += str(rng.randint(60, 99))
                person.emails.append((self.email(local, domain), Email.Kind.PERSONAL))
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


def _valid(number: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(number, None))


def _tag(name: str) -> Tag:
    tag = Tag.objects.filter(name__iexact=name).first()
    return tag or Tag.objects.create(name=name)


def load_contacts(ctx: DemoContext) -> None:
    builder = _Builder(ctx)
    builder.build_companies()
    builder.build_people()
    builder.save()
    customer_value_refresh()
    rfm_recompute()


def demo_loaders_register() -> None:
    """After the core data set, whose logins own the clients; called from
    ``ContactsConfig.ready()``."""
    DEMO_LOADERS.register("contacts", load_contacts, order=100)
