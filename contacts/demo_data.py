"""The tables the demo customer base is made from: places, names, companies, what people say.

Data only; ``contacts/demo_generators.py`` draws made-up people and companies from it (for the
demo and for the bench seed alike) and ``contacts/demo.py`` loads the demo. Surnames and street
names are Faker's tables, read directly: drawing from a list is fast enough for a million rows,
where calling Faker per row is not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from faker.providers.address.en_US import Provider as EnglishAddresses
from faker.providers.address.ru_RU import Provider as RussianAddresses
from faker.providers.person.en_US import Provider as EnglishNames
from faker.providers.person.ru_RU import Provider as RussianNames

from .models import Channel, Source

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

# Mobile codes in which every number is valid (930 is left out: its first numbers are not
# allocated), so a generator may draw the rest of the number freely.
MOBILE_CODES = [
    "900", "901", "902", "903", "904", "905", "906", "908", "909", "910", "911", "912", "913",
    "914", "915", "916", "917", "918", "919", "920", "921", "922", "923", "924", "925", "926",
    "927", "928", "929", "931", "936", "937", "950", "951", "952", "953", "958", "960",
    "961", "962", "963", "964", "965", "966", "967", "968", "969", "977", "978", "980", "981",
    "982", "983", "985", "987", "988", "989", "991", "992", "993", "995", "996", "999",
]  # fmt: skip

# Names reserved for examples (RFC 2606): a demo mailing pointed at a real server reaches nobody.
PERSONAL_DOMAINS = ("example.com", "example.net", "example.org")

STREET_KINDS_RU = tuple(RussianAddresses.street_suffixes)  # ул., пер., наб., …
STREET_NAMES_RU = tuple(RussianAddresses.street_titles)
STREET_KINDS_EN = tuple(EnglishAddresses.street_suffixes)


# --- names ------------------------------------------------------------------------------------

# Surnames are Faker's; first names and patronymics are those people in Russia have today
# (Faker's lists lean to the old and the rare).
LAST_NAMES_MALE = tuple(RussianNames.last_names_male)
LAST_NAMES_FEMALE = tuple(RussianNames.last_names_female)
EN_FIRST_NAMES = tuple(EnglishNames.first_names_male) + tuple(EnglishNames.first_names_female)
EN_LAST_NAMES = tuple(EnglishNames.last_names)
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


# --- companies and what they buy -----------------------------------------------------------

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
FOREIGN_COMPANY_KINDS = ["Ltd", "Inc.", "GmbH", "LLC"]
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

TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "_", "y", "_", "e", "yu", "ya"],
        strict=True,
    )
)  # fmt: skip


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

# The core data set's tasks that are about one of the clients above (title: the client's phone):
# their cards show them in the open tasks block.
TASK_SUBJECTS = {
    "Отправить КП ООО «Вектор»": "+79263456789",
    "Согласовать скидку для «Альфа-Трейд»": "+79114567890",
    "Перезвонить Петрову по договору поставки": "+79161234567",
    "Подготовить счёт для «Альфа-Трейд»": "+79114567890",
    "Встреча с ИП Морозов": "+79172345678",
    "Внести реквизиты «Вектора» в карточку": "+79263456789",
    "Send the quote to Northwind": "+79035678901",
    "Call Mr. Orlov back about the renewal": "+79035678901",
    "Prepare the invoice for Globex": "+79856789012",
    "Quarterly review with Initech": "+79037890123",
}
