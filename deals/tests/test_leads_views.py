"""The lead pages through the whole stack: the list (tabs, filters, search, a fixed number of
queries), the card and its actions, a lead entered by hand, conversion, masking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.tests.factories import ContactFactory
from crm.models import Role
from crm.tests.factories import UserFactory
from deals.hooks import LEAD_CARD_BLOCKS, DealCardBlock
from deals.models import Deal, Lead
from deals.models.leads import LeadNote
from deals.tests.factories import LeadFactory, PipelineFactory, ProductFactory

from .factories_leads import LeadNoteFactory

pytestmark = pytest.mark.django_db

LIST = "/deals/leads/"


def test_the_list_shows_new_leads_with_counts_per_status(client, manager):
    LeadFactory.create_batch(3, owner=manager)
    LeadFactory(owner=manager, status=Lead.Status.IN_WORK, name="В работе Иванов")
    LeadFactory(owner=manager, status="junk", junk_reason="spam")
    client.force_login(manager)
    response = client.get(LIST)
    assert response.status_code == 200
    tabs = {t["code"]: t["count"] for t in response.context["tabs"]}
    assert tabs == {"new": 3, "in_work": 1, "converted": 0, "junk": 1}
    assert len(response.context["leads"]) == 3
    response = client.get(LIST, {"status": "in_work"})
    assert [lead.name for lead in response.context["leads"]] == ["В работе Иванов"]


def test_the_list_asks_the_same_number_of_queries_for_many_leads(
    client, head, manager, django_assert_num_queries
):
    # given many leads of the team, with owners, products and contacts
    product = ProductFactory()
    contact = ContactFactory()
    for i in range(120):
        LeadFactory(owner=manager if i % 2 else None, product=product, contact=contact)
    client.force_login(head)
    # then the page asks: the session, the user, their user and group permissions, their
    # roles, the owners of the filter, the counts per status, the page's rows with owner,
    # product, contact and web form — whatever the number of leads
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert len(response.context["leads"]) == 50
    assert response.context["next_url"]
    with django_assert_num_queries(8):
        client.get(LIST + response.context["next_url"])


def test_filters_search_and_period_narrow_the_list(client, head, manager):
    old = LeadFactory(owner=manager, channel="call", source="call", name="Старый Звонок")
    old.created_at = timezone.now() - dt.timedelta(days=20)
    old.save()
    LeadFactory(owner=None, channel="web_form", name="Новая Заявка", phone="+79161234500")
    LeadFactory(owner=manager, channel="api", source="other", email="b2b@firma.ru", name="Фирма")
    client.force_login(head)

    def names(**params):
        return sorted(lead.name for lead in client.get(LIST, params).context["leads"])

    assert names(owner="none") == ["Новая Заявка"]
    assert names(owner=manager.pk) == ["Старый Звонок", "Фирма"]
    assert names(channel="call") == ["Старый Звонок"]
    assert names(source="other") == ["Фирма"]
    since = (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    assert names(received_from=since) == ["Новая Заявка", "Фирма"]
    assert names(q="8 916 123-45-00") == ["Новая Заявка"]
    assert names(q="B2B@firma.ru") == ["Фирма"]
    assert names(q="звонок") == ["Старый Звонок"]
    response = client.get(LIST, {"received_from": "2026-05-02", "received_to": "2026-05-01"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_an_operator_creates_a_lead_from_a_call_and_sees_a_confirmation(client, operator):
    client.force_login(operator)
    assert client.get(LIST).status_code == 403
    response = client.post(
        reverse("deals:lead-create"),
        {"name": "Звонивший", "phone": "8 916 000-11-22", "channel": "call", "source": "call"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("deals:lead-create")
    assert "a sales manager will get it shortly" in response.content.decode()
    lead = Lead.objects.get()
    assert (lead.phone, lead.channel, lead.owner, lead.created_by) == (
        "+79160001122",
        "call",
        None,
        operator,
    )


def test_a_manager_creates_a_lead_for_themselves_and_bad_input_is_shown(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("deals:lead-create"),
        {"name": "Без контакта", "channel": "manual", "source": "other"},
    )
    assert response.status_code == 400
    assert "Give a phone or an e-mail" in response.content.decode()
    assert not Lead.objects.exists()
    response = client.post(
        reverse("deals:lead-create"),
        {"name": "Клиент", "email": "c@example.ru", "channel": "manual", "source": "other"},
    )
    lead = Lead.objects.get()
    assert response.url == reverse("deals:lead-detail", args=[lead.pk])
    assert lead.owner == manager


def test_the_card_shows_the_lead_the_matched_contact_and_the_blocks(
    client, manager, registry_override, django_assert_num_queries
):
    contact = ContactFactory(last_name="Петров", first_name="Иван", owner=manager)
    lead = LeadFactory(owner=manager, contact=contact, utm_source="yandex", message="Кухня")
    LeadNoteFactory.create_batch(5, lead=lead, author=manager)
    registry_override(LEAD_CARD_BLOCKS, clear=True)  # the test's block alone
    LEAD_CARD_BLOCKS.register(
        "test.why",
        lambda obj, user: DealCardBlock(
            "Why assigned", "deals/leads/_note.html", {"note": obj.notes.first(), "masks": set()}
        ),
    )
    client.force_login(manager)
    # the session, the user, permissions (2), roles, whether the team shares its clients (for
    # the lead's scope and the contact's), the lead with its relations, whether the contact is
    # the manager's, the notes with their authors, and the test's block (its note and author)
    # — however many notes
    with django_assert_num_queries(12):
        response = client.get(reverse("deals:lead-detail", args=[lead.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Петров Иван" in html
    assert "yandex" in html
    assert "Why assigned" in html
    assert html.count('class="tl-item') >= 5


def test_take_junk_and_notes_from_the_card(client, manager):
    lead = LeadFactory(owner=manager)
    client.force_login(manager)
    url = reverse("deals:lead-detail", args=[lead.pk])
    assert client.post(reverse("deals:lead-take", args=[lead.pk])).url == url
    lead.refresh_from_db()
    assert lead.status == "in_work"
    response = client.post(
        reverse("deals:lead-note-add", args=[lead.pk]),
        {"body": "Перезвонить"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Перезвонить" in response.content.decode()
    response = client.post(
        reverse("deals:lead-note-add", args=[lead.pk]), {"body": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#note-form"
    response = client.post(reverse("deals:lead-junk", args=[lead.pk]), {"reason": ""})
    assert response.status_code == 400
    response = client.post(
        reverse("deals:lead-junk", args=[lead.pk]),
        {"reason": "not_target", "comment": "Опт не делаем"},
    )
    assert response.url == url
    lead.refresh_from_db()
    assert (lead.status, lead.junk_reason) == ("junk", "not_target")
    assert LeadNote.objects.filter(lead=lead).count() == 1


def test_converting_from_the_card(client, manager):
    pipeline = PipelineFactory(name="Мебель на заказ")
    lead = LeadFactory(owner=manager, name="Анна Белова", company_name="ООО «Свет»")
    LeadNoteFactory(lead=lead, body="Хочет замер в субботу", author=manager)
    client.force_login(manager)
    url = reverse("deals:lead-convert", args=[lead.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "ООО «Свет»" in page.content.decode()
    response = client.post(url, {"pipeline": "", "contact_mode": "new"})
    assert response.status_code == 400
    response = client.post(
        url,
        {
            "pipeline": pipeline.pk,
            "title": "Кухня Беловой",
            "amount": "250000",
            "contact_mode": "new",
            "create_company": "on",
        },
    )
    assert response.url == reverse("deals:lead-detail", args=[lead.pk])
    deal = Deal.objects.get()
    assert deal.title == "Кухня Беловой"
    assert deal.company.name == "ООО «Свет»"
    assert deal.contact.interactions.filter(body="Хочет замер в субботу").exists()
    card = client.get(reverse("deals:lead-detail", args=[lead.pk])).content.decode()
    assert "Кухня Беловой" in card
    assert "now on the contact" in card
    # a second conversion is refused
    again = client.get(url)
    assert again.status_code == 302
    assert Deal.objects.count() == 1


def test_contact_details_are_masked_for_roles_that_mask(client, manager, settings):
    settings.CONTACT_FIELD_MASKS = {Role.MANAGER: ["phone", "email"]}
    lead = LeadFactory(owner=manager, phone="+79161234567", email="ivan@vector.ru")
    client.force_login(manager)
    for url in (LIST, reverse("deals:lead-detail", args=[lead.pk])):
        html = client.get(url).content.decode()
        assert "123-45-67" not in html
        assert "ivan@vector.ru" not in html
        assert "+7 916 ***-**-67" in html
        assert "i***@vector.ru" in html


def test_web_forms_are_the_heads_pages(client, head, manager):
    client.force_login(manager)
    assert client.get(reverse("deals:webform-list")).status_code == 403
    client.force_login(head)
    response = client.post(
        reverse("deals:webform-create"),
        {
            "name": "Кухни",
            "origins": "https://Mebel-Primer.ru/kuhni\nnot a site",
            "success_message": "Спасибо",
        },
    )
    assert response.status_code == 400
    assert "is not a site address" in response.content.decode()
    response = client.post(
        reverse("deals:webform-create"),
        {
            "name": "Кухни",
            "origins": "https://Mebel-Primer.ru/kuhni\nhttp://localhost:8080",
            "is_active": "on",
        },
    )
    from deals.models import WebForm

    form = WebForm.objects.get()
    assert form.allowed_origins == ["https://mebel-primer.ru", "http://localhost:8080"]
    detail = client.get(response.url).content.decode()
    assert f"/deals/leads/forms/{form.key}/embed.js" in detail
    response = client.post(
        reverse("deals:webform-edit", args=[form.pk]), {"name": "Кухни 2", "origins": ""}
    )
    form.refresh_from_db()
    assert form.name == "Кухни 2"
    assert form.allowed_origins == []
    assert not form.is_active


def test_a_new_user_of_another_team_cannot_open_the_lead(client, manager):
    lead = LeadFactory(owner=manager)
    stranger = UserFactory(role=Role.MANAGER)
    client.force_login(stranger)
    assert client.get(reverse("deals:lead-detail", args=[lead.pk])).status_code == 404


def test_a_head_gives_a_lead_to_a_manager_of_the_team(client, head, manager, manager2):
    lead = LeadFactory()
    client.force_login(head)
    card = client.get(reverse("deals:lead-detail", args=[lead.pk]))
    owners = list(card.context["assign_form"].fields["owner"].queryset)
    assert manager in owners
    assert manager2 not in owners
    url = reverse("deals:lead-assign", args=[lead.pk])
    assert client.post(url, {"owner": manager2.pk}).status_code == 400
    response = client.post(url, {"owner": manager.pk, "reason": "Знает кухни"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.owner == manager


def test_malformed_query_strings_and_forms_never_answer_500(client, head, manager):
    lead = LeadFactory(owner=manager)
    client.force_login(head)
    for query in (
        "?status=nonsense&owner=abc&source=%00&channel=x",
        "?after=garbage",
        "?after=WyJ4Il0",
        "?q=%00",
        "?received_from=31.02.2026&received_to=yesterday",
        "?q=" + "9" * 500,
    ):
        assert client.get(LIST + query).status_code == 200, query
    convert = reverse("deals:lead-convert", args=[lead.pk])
    for data in (
        {"pipeline": "999999", "amount": "abc"},
        {"pipeline": "x", "amount": "1e30", "contact_mode": "zzz"},
        {"title": "\x00"},
    ):
        assert client.post(convert, data).status_code == 400, data
    assert (
        client.post(reverse("deals:lead-junk", args=[lead.pk]), {"reason": "x" * 50}).status_code
        == 400
    )
    assert (
        client.post(reverse("deals:lead-assign", args=[lead.pk]), {"owner": "abc"}).status_code
        == 400
    )
    assert client.get("/deals/leads/999999/").status_code == 404
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW
