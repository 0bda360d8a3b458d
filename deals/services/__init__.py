"""The verbs of sales, a module per part: deals, leads, products, invoices, the generator."""
