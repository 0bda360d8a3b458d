"""The reads of sales, a module per part."""
