"""The sales models, a module per part: pipelines and deals, leads, products, invoices, plans."""

from .invoices import Invoice, InvoiceCounter, InvoiceLine, Payment, SellerRequisites
from .leads import Lead, LeadNote, WebForm
from .pipeline import Deal, DealStageChange, LossReason, Pipeline, Stage
from .plans import RepeatDealRule, SalesPlan
from .products import DealLine, Product, VatRate

__all__ = [
    "Deal",
    "DealLine",
    "DealStageChange",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "Lead",
    "LeadNote",
    "LossReason",
    "Payment",
    "Pipeline",
    "Product",
    "RepeatDealRule",
    "SalesPlan",
    "SellerRequisites",
    "Stage",
    "VatRate",
    "WebForm",
]
