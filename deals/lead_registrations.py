"""Leads' entries in the extension points (crm/registry.py); ``leads_register()`` is called
from ``DealsConfig.ready()``."""

from __future__ import annotations


def leads_register() -> None:
    from crm.task_subjects import TASK_SUBJECTS

    from .selectors.leads import leads_visible_to

    # A task can be about a lead ("call back at 15:00"), for those who may see the lead.
    TASK_SUBJECTS.register("deals.lead", leads_visible_to)
