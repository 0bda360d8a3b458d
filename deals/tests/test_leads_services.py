"""Leads through their services: intake from every channel, matching the base, assignment,
taking, junk and conversion (contact, company, deal, history) with role scoping."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from contacts.models import Company, Contact, Interaction
from contacts.tests.factories import CompanyFactory, ContactFactory
from crm.models import Notification
from deals import signals
from deals.models import Deal, Lead
from deals.models.leads import LeadNote
from deals.selectors.leads import leads_visible_to
from deals.services import leads as services
from deals.tests.factories import LeadFactory, PipelineFactory, ProductFactory

from .factories_leads import LeadNoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    heard = []

    def receiver(sender, lead, **kwargs):
        heard.append(lead.pk)

    signals.lead_received.connect(receiver)
    yield heard
    signals.lead_received.disconnect(receiver)


# --- intake ---------------------------------------------------------------------------------


def test_a_lead_from_the_site_is_normalised_and_announced_after_commit(
    received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lead = services.lead_create(
            actor=None,
            channel="web_form",
            data={
                "name": " Анна Смирнова ",
                "phone": "8 (916) 555-12-34",
                "email": " Anna@Example.RU ",
                "utm_source": "yandex",
                "utm_campaign": "kitchens-" + "x" * 200,
            },
        )
        assert received == []  # not before the commit
    for callback in callbacks:
        callback()
    assert received == [lead.pk]
    lead.refresh_from_db()
    assert (lead.name, lead.phone, lead.email) == (
        "Анна Смирнова",
        "+79165551234",
        "anna@example.ru",
    )
    assert lead.source == "web_form"
    assert lead.channel == "web_form"
    assert lead.status == Lead.Status.NEW
    assert lead.owner is None
    assert len(lead.utm_campaign) == 100


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"name": "Only a name"}, "phone"),
        ({"phone": "+79161234567", "source": "nowhere"}, "source"),
        ({"phone": "+79161234567", "product": 999999}, "product"),
        ({"phone": "+79161234567", "message": "x" * 6000}, "message"),
    ],
)
def test_bad_data_is_refused_by_field_and_nothing_is_made(data, field):
    with pytest.raises(ValidationError) as exc:
        services.lead_create(actor=None, channel="api", data=data)
    assert field in exc.value.message_dict
    assert not Lead.objects.exists()


def test_an_unknown_channel_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.lead_create(actor=None, channel="pigeon", data={"phone": "+79161234567"})
    assert "channel" in exc.value.message_dict


def test_a_lead_is_linked_to_the_contact_with_the_same_phone_and_their_company():
    company = CompanyFactory(name="ООО «Вектор»")
    contact = ContactFactory(company=company, phone="+79161234567")
    lead = services.lead_create(actor=None, channel="api", data={"phone": "8 916 123-45-67"})
    assert lead.contact == contact
    assert lead.company == company


def test_a_lead_is_linked_by_e_mail_whatever_its_case():
    contact = ContactFactory(email="ivan@vector.ru")
    lead = services.lead_create(actor=None, channel="email", data={"email": "IVAN@vector.ru"})
    assert lead.contact == contact
    assert lead.source == "email"


def test_a_manual_lead_of_a_manager_is_theirs_but_an_operators_is_left_for_routing(
    manager, operator
):
    mine = services.lead_create(actor=manager, channel="manual", data={"phone": "+79161110000"})
    call = services.lead_create(actor=operator, channel="call", data={"phone": "+79161110001"})
    assert mine.owner == manager
    assert mine.assigned_at is not None
    assert call.owner is None
    assert call.created_by == operator


def test_roles_without_the_permission_cannot_create(marketer):
    with pytest.raises(PermissionDenied):
        services.lead_create(actor=marketer, channel="manual", data={"phone": "+79161110000"})


# --- hooks of channels built later ----------------------------------------------------------


def test_a_call_from_an_unknown_number_makes_one_lead_and_a_second_call_joins_it(operator):
    first = services.lead_create_from_call(actor=operator, phone="8 916 700-00-01")
    again = services.lead_create_from_call(actor=operator, phone="+79167000001")
    assert first.pk == again.pk
    assert first.channel == "call"
    assert first.source == "call"
    assert LeadNote.objects.get(lead=first).kind == LeadNote.Kind.CALL
    with pytest.raises(ValidationError) as exc:
        services.lead_create_from_call(actor=operator, phone="nope")
    assert "phone" in exc.value.message_dict


def test_an_email_from_an_unknown_address_makes_a_lead_with_the_letter(manager):
    lead = services.lead_create_from_email(
        actor=None, address="Client@Mail.ru", subject="Кухня", body="Нужна кухня 3 м"
    )
    assert lead.email == "client@mail.ru"
    assert lead.channel == "email"
    assert lead.message == "Кухня\n\nНужна кухня 3 м"
    again = services.lead_create_from_email(
        actor=None, address="client@mail.ru", subject="Re: Кухня", body="Когда замер?"
    )
    assert again.pk == lead.pk
    assert "Когда замер?" in LeadNote.objects.get(lead=lead).body
    with pytest.raises(ValidationError):
        services.lead_create_from_email(actor=None, address="bad", subject="", body="")


# --- assign, take, junk ---------------------------------------------------------------------


def test_assigning_notifies_the_owner_with_a_link_and_records_the_reason(head, manager):
    lead = LeadFactory()
    services.lead_assign_to(actor=head, lead=lead, owner=manager, reason="Round robin, 2nd.")
    lead.refresh_from_db()
    assert lead.owner == manager
    assert lead.assigned_at is not None
    note = Notification.objects.get(recipient=manager)
    assert note.url == f"/deals/leads/{lead.pk}/"
    assert "Round robin, 2nd." in LeadNote.objects.get(lead=lead).body


def test_routing_assigns_without_an_actor(manager):
    lead = LeadFactory()
    services.lead_assign_to(actor=None, lead=lead, owner=manager, reason="rule")
    assert Lead.objects.get(pk=lead.pk).owner == manager


def test_a_head_cannot_give_a_lead_to_another_teams_manager(head, manager2):
    lead = LeadFactory()
    with pytest.raises(ValidationError) as exc:
        services.lead_assign_to(actor=head, lead=lead, owner=manager2)
    assert "owner" in exc.value.message_dict


def test_taking_a_lead_starts_work_and_stops_the_first_action_clock(manager):
    lead = LeadFactory(owner=manager)
    services.lead_take(actor=manager, lead=lead)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.IN_WORK
    assert lead.taken_at is not None


def test_junk_needs_a_reason(manager):
    lead = LeadFactory(owner=manager)
    with pytest.raises(ValidationError) as exc:
        services.lead_junk(actor=manager, lead=lead, reason="")
    assert "reason" in exc.value.message_dict
    services.lead_junk(actor=manager, lead=lead, reason="spam", comment="Бот")
    lead.refresh_from_db()
    assert (lead.status, lead.junk_reason, lead.junk_comment) == ("junk", "spam", "Бот")
    with pytest.raises(ValidationError):
        services.lead_take(actor=manager, lead=lead)


def test_a_manager_cannot_touch_another_teams_lead(manager, manager2):
    lead = LeadFactory(owner=manager2)
    with pytest.raises(ValidationError):
        services.lead_take(actor=manager, lead=lead)


# --- conversion -----------------------------------------------------------------------------


@pytest.fixture
def pipeline():
    return PipelineFactory(name="Мебель на заказ")


def test_converting_makes_the_contact_company_and_deal_and_moves_the_history(
    manager, pipeline, django_capture_on_commit_callbacks
):
    # given a new lead with a note and a call on it
    lead = LeadFactory(
        owner=manager,
        name="Иван Петров",
        phone="+79161234599",
        email="petrov@vector.ru",
        company_name="ООО «Вектор»",
        message="Хочу кухню",
    )
    LeadNoteFactory(lead=lead, body="Просил перезвонить вечером", author=manager)
    LeadNoteFactory(lead=lead, kind=LeadNote.Kind.CALL, body="Дозвонились", author=manager)
    heard = []
    signals.lead_converted.connect(receiver := lambda sender, **kw: heard.append(kw))
    try:
        # when the manager converts it
        with django_capture_on_commit_callbacks(execute=True):
            deal = services.lead_convert(actor=manager, lead=lead, amount="150000")
    finally:
        signals.lead_converted.disconnect(receiver)
    # then a contact, a company and a deal in the first stage exist
    lead.refresh_from_db()
    contact = Contact.objects.get(pk=lead.contact_id)
    assert (contact.first_name, contact.last_name) == ("Иван", "Петров")
    assert contact.phones.get().number == "+79161234599"
    assert contact.company == Company.objects.get(name="ООО «Вектор»") == lead.company
    assert deal.pipeline == pipeline
    assert deal.stage.name == "Заявка"
    assert deal.contact == contact
    assert deal.owner == manager
    assert str(deal.amount) == "150000.00"
    assert lead.status == Lead.Status.CONVERTED
    assert lead.deal == deal
    assert lead.converted_at
    # and the history is on the contact's timeline, no longer on the lead
    bodies = set(contact.interactions.values_list("body", flat=True))
    assert {"Хочу кухню", "Просил перезвонить вечером", "Дозвонились"} <= bodies
    assert contact.interactions.filter(kind=Interaction.Kind.CALL).count() == 1
    assert not LeadNote.objects.filter(lead=lead).exists()
    assert heard
    assert heard[0]["deal"] == deal
    assert heard[0]["actor"] == manager


def test_converting_twice_is_refused(manager, pipeline):
    lead = LeadFactory(owner=manager)
    services.lead_convert(actor=manager, lead=lead)
    with pytest.raises(ValidationError) as exc:
        services.lead_convert(actor=manager, lead=Lead.objects.get(pk=lead.pk))
    assert "lead" in exc.value.message_dict
    assert Deal.objects.count() == 1


def test_converting_a_matched_lead_links_the_existing_contact(manager, pipeline):
    company = CompanyFactory(name="ИП Соколов")
    contact = ContactFactory(company=company, phone="+79161234567", owner=manager)
    lead = services.lead_create(actor=manager, channel="manual", data={"phone": "+79161234567"})
    deal = services.lead_convert(actor=manager, lead=lead, title="Шкаф в прихожую")
    assert deal.contact == contact
    assert deal.company == company
    assert deal.title == "Шкаф в прихожую"
    assert Contact.objects.count() == 1
    assert Company.objects.count() == 1


def test_conversion_in_another_pipeline_and_a_bad_amount_changes_nothing(manager, pipeline):
    other = PipelineFactory(name="Опт B2B")
    lead = LeadFactory(owner=manager, product=ProductFactory())
    with pytest.raises(ValidationError) as exc:
        services.lead_convert(actor=manager, lead=lead, pipeline=other, amount="-5")
    assert "amount" in exc.value.message_dict
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW
    assert not Contact.objects.exists()
    deal = services.lead_convert(actor=manager, lead=lead, pipeline=other)
    assert deal.pipeline == other


def test_a_lead_cannot_be_converted_without_an_active_pipeline(manager):
    lead = LeadFactory(owner=manager)
    with pytest.raises(ValidationError) as exc:
        services.lead_convert(actor=manager, lead=lead)
    assert "pipeline" in exc.value.message_dict


# --- who sees which leads -------------------------------------------------------------------


def test_each_role_sees_its_leads(admin_user, head, manager, manager2, operator, marketer):
    own = LeadFactory(owner=manager)
    other_team = LeadFactory(owner=manager2)
    unassigned = LeadFactory()
    headed = LeadFactory(owner=head)

    def seen(user):
        return set(leads_visible_to(user).values_list("pk", flat=True))

    assert seen(admin_user) == {own.pk, other_team.pk, unassigned.pk, headed.pk}
    assert seen(head) == {own.pk, unassigned.pk, headed.pk}
    assert seen(manager) == {own.pk}
    assert seen(manager2) == {other_team.pk}
    assert seen(operator) == set()
    assert seen(marketer) == set()
