"""Robots and triggers: a head of sales (and an admin) sets them up; whoever sees a deal
reads its runs (the API), nobody else."""

from __future__ import annotations

LOGIN = 302
NO = 403
SETUP = [200, 200, NO, NO, NO, NO, NO, LOGIN]
#        admin head mgr  mgr2 oper sup  mkt  anon
ROWS = {
    "deals:robots-default": ("GET", "/deals/automation/", [302, 302, NO, NO, NO, NO, NO, LOGIN]),
    "deals:robots": ("GET", "/deals/automation/{robot_pipeline}/", SETUP),
    "deals:robot-create": ("GET", "/deals/automation/{robot_pipeline}/new/", SETUP),
    "deals:robot-edit": ("GET", "/deals/automation/rules/{rule}/edit/", SETUP),
    "deals:robot-toggle": (
        "POST",
        "/deals/automation/rules/{rule}/toggle/",
        [302, 302, NO, NO, NO, NO, NO, LOGIN],
    ),
    # Only a failed run is tried again: the matrix's run is waiting, so those allowed get 400;
    # another team's head would get 404.
    "deals:robot-run-retry": (
        "POST",
        "/deals/automation/runs/{automation_run}/retry/",
        [400, 400, NO, NO, NO, NO, NO, LOGIN],
    ),
    "automation-api:automation-rule-list": (
        "GET",
        "/api/v1/automation/rules/",
        [200, 200, NO, NO, NO, NO, NO, 401],
    ),
    "automation-api:automation-rule-detail": (
        "GET",
        "/api/v1/automation/rules/{rule}/",
        [200, 200, NO, NO, NO, NO, NO, 401],
    ),
    "automation-api:automation-run-list": (
        "GET",
        "/api/v1/automation/runs/",
        [200, 200, 200, 200, NO, 200, NO, 401],
    ),
    # The run of a team A deal: another team's manager and the supervisor (who sees no
    # deals) get 404.
    "automation-api:automation-run-detail": (
        "GET",
        "/api/v1/automation/runs/{automation_run}/",
        [200, 200, 200, 404, NO, 404, NO, 401],
    ),
}


def records(base: dict) -> dict:
    from crm.automation.services import automation_event
    from deals.tests.factories import DealFactory, PipelineFactory
    from deals.tests.factories_automation import TASK, robot

    pipeline = PipelineFactory(name="Матрица: роботы")
    rule = robot(pipeline, None, TASK, event="deals.created")
    deal = DealFactory(pipeline=pipeline, owner=base["manager"])
    (run,) = automation_event(event="deals.created", obj=deal, occasion="created")
    return {"robot_pipeline": pipeline.pk, "rule": rule.pk, "automation_run": run.pk}
