"""The demo catalog: a furniture workshop that also sells fittings wholesale, and its
requisites as the seller on invoices."""

from __future__ import annotations

from decimal import Decimal

from deals.models import Product
from deals.models.invoices import SellerRequisites

# name, SKU, price, VAT rate, unit
PRODUCTS = [
    ("Кухонный гарнитур «Классика», погонный метр", "KUH-KL-01", "48500.00", "22", "м"),
    ("Кухонный гарнитур «Модерн», погонный метр", "KUH-MD-02", "56200.00", "22", "м"),
    ("Шкаф-купе двухдверный 1600 мм", "SHK-2D-16", "64900.00", "22", "шт"),
    ("Шкаф-купе трёхдверный 2400 мм", "SHK-3D-24", "89900.00", "22", "шт"),
    ("Столешница из искусственного камня", "STL-KAM-01", "18700.00", "22", "м"),
    ("Стол обеденный из массива дуба", "STO-DUB-01", "42300.00", "22", "шт"),
    ("Стул мягкий «Венеция»", "STU-VEN-01", "7450.00", "22", "шт"),
    ("Гардеробная система, секция", "GRD-SEC-01", "23800.00", "22", "шт"),
    ("Фасад МДФ эмаль, м²", "FAS-MDF-EM", "9800.00", "22", "м²"),
    ("Петля мебельная с доводчиком (опт, 100 шт)", "OPT-PET-100", "6900.00", "22", "уп"),
    ("Направляющие шариковые 450 мм (опт, 50 пар)", "OPT-NAP-50", "11250.00", "22", "уп"),
    ("Ручка-скоба 128 мм (опт, 200 шт)", "OPT-RUC-200", "8400.00", "22", "уп"),
    ("Замер помещения", "USL-ZAMER", "1500.00", "none", "усл"),
    ("Дизайн-проект кухни", "USL-DIZ-KUH", "12000.00", "none", "усл"),
    ("Доставка и сборка", "USL-DOST", "6500.00", "none", "усл"),
]

SELLER = {
    "name": "ООО «Мебельная мастерская „Дуб и Клён“»",
    "inn": "7703456789",
    "kpp": "770301001",
    "ogrn": "1187746123456",
    "address": "123100, г. Москва, Пресненская наб., д. 12, оф. 305",
    "bank": "АО «Альфа-Банк», г. Москва",
    "bik": "044525593",
    "account": "40702810702300012345",
    "correspondent_account": "30101810200000000593",
    "director": "Соколов Д. А.",
    "accountant": "Лебедева О. В.",
    "email": "buh@dubiklen.example.ru",
    "phone": "+7 495 123-45-67",
}


def load(ctx) -> None:
    if not SellerRequisites.objects.exists():
        SellerRequisites(**SELLER).save()
    existing = set(Product.objects.values_list("sku", flat=True))
    Product.objects.bulk_create(
        Product(
            name=name,
            sku=sku,
            price=Decimal(price),
            vat_rate=rate,
            vat_included=True,
            unit=unit,
        )
        for name, sku, price, rate, unit in PRODUCTS
        if sku not in existing
    )
