"""Routing: heads of sales and admins set the rules and read the assignment log; nobody else
reaches them (a manager reads why a lead came to them on the lead's card)."""

from __future__ import annotations

LOGIN = 302
HEADS = [200, 200, 403, 403, 403, 403, 403, LOGIN]
HEADS_API = [200, 200, 403, 403, 403, 403, 403, 401]

#                                                      admin head mgr  mgr2 oper sup  mkt  anon
ROWS = {
    "routing:rule-list": ("GET", "/settings/routing/", HEADS),
    "routing:rule-create": ("GET", "/settings/routing/new/", HEADS),
    "routing:rule-edit": ("GET", "/settings/routing/{routing_rule}/", HEADS),
    # a rule that is not there: the delete's door, without the admin removing it for the rest
    "routing:rule-delete": (
        "POST",
        "/settings/routing/{routing_rule_missing}/delete/",
        [404, 404, 403, 403, 403, 403, 403, LOGIN],
    ),
    "routing:assignment-log": ("GET", "/settings/routing/log/", HEADS),
    "routing:profile-list": ("GET", "/settings/routing/people/", HEADS),
    "routing-api:routing-rule-list": ("GET", "/api/v1/routing/rules/", HEADS_API),
    "routing-api:routing-rule-detail": (
        "GET",
        "/api/v1/routing/rules/{routing_rule}/",
        HEADS_API,
    ),
    "routing-api:routing-assignment-list": ("GET", "/api/v1/routing/assignments/", HEADS_API),
    # the head of team A reads the assignments of team A's people
    "routing-api:routing-assignment-detail": (
        "GET",
        "/api/v1/routing/assignments/{routing_assignment}/",
        HEADS_API,
    ),
}


def records(base: dict) -> dict:
    from django.utils import timezone

    from crm.routing.models import Assignment, Strategy
    from crm.routing.services import routing_rule_create

    rule = routing_rule_create(
        actor=None,
        kind="deals.lead",
        name="Team A",
        strategy=Strategy.ROUND_ROBIN,
        team=base["team_a"],
    )
    assignment = Assignment.objects.create(
        kind="deals.lead",
        item_id=1,
        user=base["manager"],
        rule=rule,
        strategy=rule.strategy,
        reason="rule “Team A”, round robin, 1st in turn",
        details=[{"c": "rule", "name": "Team A"}, {"c": "round_robin", "turn": 1}],
        assigned_at=timezone.now(),
    )
    return {
        "routing_rule": rule.pk,
        "routing_rule_missing": rule.pk + 10_000,
        "routing_assignment": assignment.pk,
    }
