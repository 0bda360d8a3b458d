"""What each role may do in sales (see crm/roles.py).

A manager sees and changes their own deals and leads; a head of sales the team's (the
selectors decide which rows: ``deals/selectors/``); an operator creates leads from calls; a
marketer reads aggregates (the forecast page) and nothing row by row.
"""

from crm.models import Role
from crm.roles import ROLE_GRANTS


def _crud(*models: str, verbs=("view", "add", "change")) -> list[str]:
    return [f"deals.{verb}_{model}" for model in models for verb in verbs]


def role_grants_register() -> None:
    """Called from ``DealsConfig.ready()``."""
    selling = _crud("deal", "dealline", "lead", "invoice", "payment")
    ROLE_GRANTS.register(
        "deals",
        {
            Role.HEAD: [
                *selling,
                *_crud("pipeline", "stage", "lossreason", "product", "webform", "salesplan"),
                *_crud("repeatdealrule"),
                "deals.delete_dealline",
                "deals.view_forecast",
            ],
            Role.MANAGER: [
                *selling,
                "deals.delete_dealline",
                "deals.view_pipeline",
                "deals.view_stage",
                "deals.view_lossreason",
                "deals.view_product",
                "deals.view_salesplan",
                "deals.view_forecast",
            ],
            Role.OPERATOR: ["deals.add_lead", "deals.view_product"],
            Role.SUPERVISOR: ["deals.view_forecast"],
            Role.MARKETER: ["deals.view_forecast"],
        },
    )
