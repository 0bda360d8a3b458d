"""Admin of one part of sales."""
