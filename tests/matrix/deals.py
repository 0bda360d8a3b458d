"""Sales' board, deal card, list and pipeline settings, pages and API.

A deal's pages are for the people who sell (admin, heads, managers); another team's manager
gets 404 for a team A deal (it does not exist for them); operators, supervisors and
marketers get 403 (their role has no deals). Pipeline settings are the heads'."""

from __future__ import annotations

from deals.models import LossReason
from deals.tests.factories import DealFactory, PipelineFactory

LOGIN = 302
DENIED = 403
SELLERS = [200, 200, 200, 200, DENIED, DENIED, DENIED, LOGIN]
#                      admin head mgr  mgr2 oper sup  mkt  anon
DEAL = [200, 200, 200, 404, DENIED, DENIED, DENIED, LOGIN]
HEADS = [200, 200, DENIED, DENIED, DENIED, DENIED, DENIED, LOGIN]
API_SELLERS = [200, 200, 200, 200, 403, 403, 403, 401]
API_DEAL = [200, 200, 200, 404, 403, 403, 403, 401]

ROWS = {
    "deals:board-default": ("GET", "/deals/", [302, 302, 302, 302, DENIED, DENIED, DENIED, LOGIN]),
    "deals:board": ("GET", "/deals/pipelines/{pipeline}/", SELLERS),
    "deals:board-column": ("GET", "/deals/pipelines/{pipeline}/stages/{stage}/", SELLERS),
    # POST with no title: a form error sent back to the board.
    "deals:deal-quick-create": (
        "POST",
        "/deals/pipelines/{pipeline}/quick/",
        [302, 302, 302, 302, DENIED, DENIED, DENIED, LOGIN],
    ),
    "deals:deal-list": ("GET", "/deals/list/", SELLERS),
    "deals:deal-create": ("GET", "/deals/new/", SELLERS),
    "deals:deal-contact-suggest": ("GET", "/deals/clients/suggest/?q=Пе", SELLERS),
    "deals:deal-detail": ("GET", "/deals/{deal}/", DEAL),
    "deals:deal-edit": ("GET", "/deals/{deal}/edit/", DEAL),
    # POST with no stage: refused with a message, nothing moved.
    "deals:deal-move": (
        "POST",
        "/deals/{deal}/move/",
        [302, 302, 302, 404, DENIED, DENIED, DENIED, LOGIN],
    ),
    "deals:deal-task-add": (
        "POST",
        "/deals/{deal}/tasks/",
        [302, 302, 302, 404, DENIED, DENIED, DENIED, LOGIN],
    ),
    "deals:pipeline-list": ("GET", "/deals/settings/pipelines/", HEADS),
    "deals:pipeline-create": ("GET", "/deals/settings/pipelines/new/", HEADS),
    "deals:pipeline-edit": ("GET", "/deals/settings/pipelines/{pipeline}/", HEADS),
    "deals:loss-reasons": ("GET", "/deals/settings/loss-reasons/", HEADS),
    "deals-api:deal-list": ("GET", "/api/v1/deals/", API_SELLERS),
    "deals-api:deal-detail": ("GET", "/api/v1/deals/{deal}/", API_DEAL),
    "deals-api:deal-move": (
        "POST",
        "/api/v1/deals/{deal}/move/",
        [400, 400, 400, 404, 403, 403, 403, 401],
    ),
    "deals-api:pipeline-list": (
        "GET",
        "/api/v1/pipelines/",
        [200, 200, 200, 200, 403, 403, 403, 401],
    ),
    "deals-api:pipeline-detail": (
        "GET",
        "/api/v1/pipelines/{pipeline}/",
        [200, 200, 200, 200, 403, 403, 403, 401],
    ),
}


def records(base: dict) -> dict:
    pipeline = PipelineFactory(name="Матрица")
    deal = DealFactory(pipeline=pipeline, owner=base["manager"], contact=base["contact_obj"])
    LossReason.objects.get_or_create(name="Дорого")
    return {"pipeline": pipeline.pk, "stage": pipeline.stages.first().pk, "deal": deal.pk}
