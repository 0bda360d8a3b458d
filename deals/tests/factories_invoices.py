"""Factories of products, deal lines and invoices (the shared ones are in factories.py)."""

from __future__ import annotations

from decimal import Decimal

from contacts.models import Email
from contacts.tests.factories import CompanyFactory, ContactFactory
from deals.models import DealLine
from deals.models.invoices import SellerRequisites
from deals.services import products as product_services
from deals.tests.factories import DealFactory, ProductFactory

SELLER = {
    "name": "ООО «Мебельная мастерская»",
    "inn": "7707083893",
    "kpp": "770701001",
    "ogrn": "1027700132195",
    "address": "г. Москва, ул. Столярная, д. 5",
    "bank": "ПАО Сбербанк, г. Москва",
    "bik": "044525225",
    "account": "40702810938000012345",
    "correspondent_account": "30101810400000000225",
    "director": "Иванов И. И.",
    "accountant": "Петрова А. С.",
    "email": "buh@mebel.example.ru",
}


def seller_requisites(**overrides) -> SellerRequisites:
    seller = SellerRequisites(**(SELLER | overrides))
    seller.save()
    return seller


def buyer_company(email: str = "zakupki@romashka.example.ru"):
    company = CompanyFactory(
        name="Ромашка",
        legal_name="ООО «Ромашка»",
        inn="7736207543",
        kpp="773601001",
        address="г. Москва, ул. Лесная, д. 7",
    )
    if email:
        Email.objects.create(company=company, address=email, is_primary=True)
    return company


def deal_with_lines(owner, *, lines=None, company=None, contact=None, **deal_kwargs):
    """A deal of ``owner`` with product lines: (price, quantity, discount, vat_rate, included)."""
    deal = DealFactory(owner=owner, company=company, contact=contact, **deal_kwargs)
    if lines is None:
        lines = [("120000.50", "1", "0", "22", True)]
    for price, quantity, discount, rate, included in lines:
        product = ProductFactory(price=Decimal(price), vat_rate=rate, vat_included=included)
        product_services.deal_line_add(
            actor=None, deal=deal, product=product, quantity=quantity, discount_percent=discount
        )
    deal.refresh_from_db()
    return deal


def add_line(deal, **kwargs) -> DealLine:
    return product_services.deal_line_add(actor=None, deal=deal, product=ProductFactory(), **kwargs)


__all__ = [
    "SELLER",
    "ContactFactory",
    "add_line",
    "buyer_company",
    "deal_with_lines",
    "seller_requisites",
]
