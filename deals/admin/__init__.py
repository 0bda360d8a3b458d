"""Sales in the Django admin, a module per part."""

from . import deals, invoices, leads, plans, products  # noqa: F401
