"""The verbs of the customer base: everything that changes contacts, companies and what hangs
on them. Every interface — a view, the API, a Celery task, a management command, the admin —
calls these and nothing else.

- ``parties``: people and companies (a *party* is either), their phones, e-mails, tags and
  custom fields;
- ``timeline``: touchpoints on the client's timeline, notes, consents;
- ``value``: purchases and the customer value computed from them;
- ``merge``: merging two records of one person, and undoing it;
- ``access``: searches and list pages of the base, recorded the same way through every door;
- ``custom_fields``: the definitions of custom fields (admins only).

Callers import this package (``from contacts import services``); the modules are its seams.
"""

from .access import client_base_listed, companies_find, contacts_find, contacts_lookup
from .custom_fields import custom_field_create, custom_field_delete, custom_field_update
from .merge import (
    MERGE_FILL_FIELDS,
    contact_merge,
    contact_merge_undo,
    contacts_merge_many,
    merge_movers_register,
)
from .parties import (
    DuplicateContactError,
    company_create,
    company_delete,
    company_update,
    company_viewed,
    contact_create,
    contact_point_remove,
    contact_update,
    contact_viewed,
    contacts_with_points,
    custom_fields_clean,
    email_save,
    phone_save,
    tags_resolve,
)
from .timeline import consent_allows, consent_set, interaction_add, interaction_record, note_add
from .value import customer_value_refresh, purchase_record, rfm_recompute

__all__ = [
    "MERGE_FILL_FIELDS",
    "DuplicateContactError",
    "client_base_listed",
    "companies_find",
    "company_create",
    "company_delete",
    "company_update",
    "company_viewed",
    "consent_allows",
    "consent_set",
    "contact_create",
    "contact_merge",
    "contact_merge_undo",
    "contact_point_remove",
    "contact_update",
    "contact_viewed",
    "contacts_find",
    "contacts_lookup",
    "contacts_merge_many",
    "contacts_with_points",
    "custom_field_create",
    "custom_field_delete",
    "custom_field_update",
    "custom_fields_clean",
    "customer_value_refresh",
    "email_save",
    "interaction_add",
    "interaction_record",
    "merge_movers_register",
    "note_add",
    "phone_save",
    "purchase_record",
    "rfm_recompute",
    "tags_resolve",
]
