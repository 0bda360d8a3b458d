"""Sales in the demo: a loader per part, registered in the order they build on each other
(products before deals, deals before invoices)."""

from crm.demo import DEMO_LOADERS

from . import deals, invoices, leads, plans, products, robots


def demo_loaders_register() -> None:
    """Called from ``DealsConfig.ready()``; the customer base loads at 100 and 110."""
    DEMO_LOADERS.register("deals.products", products.load, order=200)
    DEMO_LOADERS.register("deals.pipelines", deals.load, order=210)
    DEMO_LOADERS.register("deals.leads", leads.load, order=220)
    DEMO_LOADERS.register("deals.robots", robots.load, order=230)
    DEMO_LOADERS.register("deals.invoices", invoices.load, order=240)
    DEMO_LOADERS.register("deals.plans", plans.load, order=250)
