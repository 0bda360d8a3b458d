"""The sales generator: which won deals get a repeat deal, once, however often and however
concurrently it runs; the rule pages and API refuse bad rules."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from contacts.models import Tag
from contacts.tests.factories import ContactFactory
from crm.tests.factories import UserFactory
from deals.models import Deal, DealLine, RepeatDealRule
from deals.services.repeat import repeat_deals_open
from deals.tests.factories import PipelineFactory, ProductFactory, stage

from .factories_forecast import RepeatDealRuleFactory, won_deal

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


@pytest.fixture
def pipeline():
    return PipelineFactory(name="Фильтры для воды")


@pytest.fixture
def filters():
    return ProductFactory(name="Фильтр-кувшин", sku="F-1")


def line(deal, product):
    DealLine.objects.create(deal=deal, product=product, name=product.name, price=product.price)


def test_a_repeat_deal_opens_after_n_days_for_the_same_owner(pipeline, filters, manager):
    # given a rule "180 days after a deal with filters" and deals won 200, 190 and 10 days ago
    rule = RepeatDealRuleFactory(
        source_pipeline=pipeline, after_days=180, title_template="Замена фильтров: {title}"
    )
    rule.products.set([filters])
    contact = ContactFactory(owner=manager)
    due = won_deal(
        manager, pipeline, "12000", days_ago(200), title="Фильтр Иванову", contact=contact
    )
    line(due, filters)
    without_filters = won_deal(manager, pipeline, "5000", days_ago(190))
    not_yet = won_deal(manager, pipeline, "12000", days_ago(10))
    line(not_yet, filters)
    # when the generator runs
    assert repeat_deals_open() == 1
    # then one repeat deal: same owner and client, the rule's stage, titled from the template
    repeat = Deal.objects.get(repeat_of=due)
    assert repeat.repeat_rule == rule
    assert repeat.owner == manager
    assert repeat.contact == contact
    assert repeat.stage == stage(pipeline, "Заявка")
    assert repeat.title == "Замена фильтров: Фильтр Иванову"
    assert repeat.closed_at is None
    assert not Deal.objects.filter(repeat_of__in=[without_filters, not_yet]).exists()


def test_running_twice_opens_one(pipeline, manager):
    RepeatDealRuleFactory(source_pipeline=pipeline, after_days=30)
    won_deal(manager, pipeline, "1000", days_ago(40))
    assert repeat_deals_open() == 1
    assert repeat_deals_open() == 0
    assert Deal.objects.filter(repeat_rule__isnull=False).count() == 1


def test_the_default_title_is_in_the_owners_language(pipeline, manager, manager2):
    manager.language = "ru"
    manager.save(update_fields=["language"])
    RepeatDealRuleFactory(source_pipeline=pipeline, after_days=30, title_template="")
    won_deal(manager, pipeline, "1000", days_ago(40), title="Кухня Петровых")
    won_deal(manager2, pipeline, "1000", days_ago(40), title="Kitchen")
    repeat_deals_open()
    titles = set(Deal.objects.filter(repeat_rule__isnull=False).values_list("title", flat=True))
    assert titles == {"Повторная продажа: Кухня Петровых", "Repeat sale: Kitchen"}


def test_a_template_cannot_reach_attributes(pipeline, manager):
    RepeatDealRuleFactory(
        source_pipeline=pipeline, after_days=30, title_template="{title.__class__} {title}"
    )
    won_deal(manager, pipeline, "1000", days_ago(40), title="Кухня")
    repeat_deals_open()
    assert Deal.objects.get(repeat_rule__isnull=False).title == "{title.__class__} Кухня"


def test_client_tags_select_the_deals(pipeline, manager):
    vip = Tag.objects.create(name="Абонемент")
    rule = RepeatDealRuleFactory(source_pipeline=pipeline, after_days=30)
    rule.tags.set([vip])
    tagged = ContactFactory(owner=manager)
    tagged.tags.add(vip)
    yes = won_deal(manager, pipeline, "1000", days_ago(40), contact=tagged)
    won_deal(manager, pipeline, "1000", days_ago(40), contact=ContactFactory(owner=manager))
    won_deal(manager, pipeline, "1000", days_ago(40))
    assert repeat_deals_open() == 1
    assert Deal.objects.get(repeat_rule=rule).repeat_of == yes


def test_products_or_tags_either_one_is_enough(pipeline, filters, manager):
    vip = Tag.objects.create(name="VIP")
    rule = RepeatDealRuleFactory(source_pipeline=pipeline, after_days=30)
    rule.products.set([filters])
    rule.tags.set([vip])
    by_product = won_deal(manager, pipeline, "1000", days_ago(40))
    line(by_product, filters)
    tagged = ContactFactory(owner=manager)
    tagged.tags.add(vip)
    by_tag = won_deal(manager, pipeline, "1000", days_ago(40), contact=tagged)
    won_deal(manager, pipeline, "1000", days_ago(40))
    assert repeat_deals_open() == 2
    assert set(Deal.objects.filter(repeat_rule=rule).values_list("repeat_of", flat=True)) == {
        by_product.pk,
        by_tag.pk,
    }


def test_inactive_rules_other_pipelines_and_old_history_open_nothing(pipeline, manager):
    RepeatDealRuleFactory(source_pipeline=pipeline, after_days=30, is_active=False)
    other = PipelineFactory()
    RepeatDealRuleFactory(source_pipeline=other, after_days=30)
    won_deal(manager, pipeline, "1000", days_ago(40))
    # a deal won years before the rule existed: not served by a rule made today
    won_deal(manager, other, "1000", days_ago(1000))
    assert repeat_deals_open() == 0


def test_a_run_is_batch_limited_and_the_next_one_goes_on(pipeline, manager):
    RepeatDealRuleFactory(source_pipeline=pipeline, after_days=30)
    for _ in range(5):
        won_deal(manager, pipeline, "1000", days_ago(40))
    assert repeat_deals_open(batch=3) == 3
    assert repeat_deals_open(batch=3) == 2
    assert repeat_deals_open(batch=3) == 0


def test_an_owner_who_left_is_skipped_not_a_crash(pipeline):
    gone = UserFactory(is_active=False)
    RepeatDealRuleFactory(source_pipeline=pipeline, after_days=30)
    won_deal(gone, pipeline, "1000", days_ago(40))
    assert repeat_deals_open() == 0


def test_the_beat_task_calls_the_service(pipeline, manager, settings):
    from deals.tasks import repeat_deals_open as task

    assert settings.CELERY_BEAT_SCHEDULE["deals-repeat-deals-open"]["task"] == (
        "deals.tasks.repeat_deals_open"
    )
    RepeatDealRuleFactory(source_pipeline=pipeline, after_days=30)
    won_deal(manager, pipeline, "1000", days_ago(40))
    assert task.apply().get() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_open_one_deal_each(manager):
    # given 20 won deals due, and two workers running the generator at the same moment
    pipeline = PipelineFactory()
    RepeatDealRuleFactory(source_pipeline=pipeline, after_days=30)
    for _ in range(20):
        won_deal(manager, pipeline, "1000", days_ago(40))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(repeat_deals_open())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # then each won deal has exactly one repeat deal, and the runs counted only their own
    assert not errors
    assert Deal.objects.filter(repeat_rule__isnull=False).count() == 20
    assert sum(results) == 20
    assert (
        Deal.objects.filter(repeat_rule__isnull=False).values("repeat_of").distinct().count() == 20
    )


# --- rule pages and API --------------------------------------------------------------------------


def _form(pipeline, **changes):
    data = {
        "name": "Замена фильтров через 180 дней",
        "source_pipeline": pipeline.pk,
        "target_stage": stage(pipeline, "Заявка").pk,
        "after_days": "180",
        "title_template": "Замена фильтров: {title}",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_a_head_creates_and_edits_a_rule(client, head, pipeline, filters):
    client.force_login(head)
    assert client.get(reverse("deals:generator-create")).status_code == 200
    response = client.post(
        reverse("deals:generator-create"), _form(pipeline, products=[filters.pk])
    )
    assert response.status_code == 302
    rule = RepeatDealRule.objects.get()
    assert list(rule.products.all()) == [filters]
    listing = client.get(reverse("deals:generator-list"))
    assert "Замена фильтров через 180 дней" in listing.content.decode()
    response = client.post(
        reverse("deals:generator-edit", args=[rule.pk]), _form(pipeline, after_days="365")
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.after_days == 365
    assert list(rule.products.all()) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"after_days": "0"}, "after_days"),
        ({"after_days": "-3"}, "after_days"),
        ({"after_days": "много"}, "after_days"),
        ({"name": "  "}, "name"),
        ({"target_stage": "other"}, "target_stage"),
        ({"target_stage": "won"}, "target_stage"),
    ],
)
def test_a_bad_rule_is_a_form_error_and_nothing_saved(client, head, pipeline, changes, field):
    other = PipelineFactory()
    if changes.get("target_stage") == "other":
        changes["target_stage"] = stage(other, "Замер").pk
    elif changes.get("target_stage") == "won":
        changes["target_stage"] = stage(pipeline, "Сделка успешна").pk
    client.force_login(head)
    response = client.post(reverse("deals:generator-create"), _form(pipeline, **changes))
    assert response.status_code == 400
    assert response.context["form"].errors.get(field)
    assert not RepeatDealRule.objects.exists()


def test_a_manager_cannot_manage_rules(client, manager, pipeline):
    client.force_login(manager)
    assert client.get(reverse("deals:generator-list")).status_code == 403
    assert client.post(reverse("deals:generator-create"), _form(pipeline)).status_code == 403
    assert not RepeatDealRule.objects.exists()


def test_the_rules_api(api_client_for, head, manager, pipeline):
    api = api_client_for(head)
    body = {
        "name": "Повторная продажа через 365 дней",
        "source_pipeline": pipeline.pk,
        "target_stage": stage(pipeline, "Заявка").pk,
        "after_days": 365,
    }
    created = api.post("/api/v1/repeat-rules/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    bad = api.patch(f"/api/v1/repeat-rules/{pk}/", {"after_days": 0}, format="json")
    assert bad.status_code == 400
    assert "after_days" in bad.json()["fields"]
    other = PipelineFactory()
    bad = api.post(
        "/api/v1/repeat-rules/",
        {**body, "target_stage": stage(other, "Заявка").pk},
        format="json",
    )
    assert bad.status_code == 400
    assert "target_stage" in bad.json()["fields"]
    assert RepeatDealRule.objects.get().after_days == 365
    assert api.delete(f"/api/v1/repeat-rules/{pk}/").status_code == 204
    assert api_client_for(manager).get("/api/v1/repeat-rules/").status_code == 403


def test_amounts_are_not_copied(pipeline, manager):
    # the repeat sale's size is unknown until the manager talks to the client
    RepeatDealRuleFactory(source_pipeline=pipeline, after_days=30)
    won_deal(manager, pipeline, "99000", days_ago(40))
    repeat_deals_open()
    assert Deal.objects.get(repeat_rule__isnull=False).amount == Decimal("0.00")
