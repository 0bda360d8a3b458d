"""The services of the customer base, called directly: merge and undo for every kind of record
that moves, the permission every service checks itself, and the acting person in the change
history whatever the door."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from contacts import hooks, services
from contacts.models import (
    Company,
    Consent,
    Contact,
    ContactMerge,
    Email,
    Interaction,
    Phone,
    Purchase,
    Tag,
)
from contacts.tests.factories import (
    CompanyFactory,
    ConsentFactory,
    ContactFactory,
    EmailFactory,
    InteractionFactory,
    PhoneFactory,
    PurchaseFactory,
)
from crm.history import acting_as
from crm.models import Task
from crm.services import task_create

pytestmark = pytest.mark.django_db


# --- merge and undo, one case per mover ----------------------------------------------------
# Each case puts one record of its kind on the dropped contact (plus, where the kind has a
# rule for clashes, one the kept contact already has) and says where that record is.


def _interaction(keep, drop):
    row = InteractionFactory(contact=drop)
    return lambda: Interaction.objects.get(pk=row.pk).contact_id


def _purchase(keep, drop):
    row = PurchaseFactory(contact=drop, amount=Decimal("1500.00"))
    return lambda: Purchase.objects.get(pk=row.pk).contact_id


def _phone(keep, drop):
    PhoneFactory(contact=keep, number="+79160000001", is_primary=True)
    PhoneFactory(contact=drop, number="+79160000001", is_primary=True)  # the same number
    row = PhoneFactory(contact=drop, number="+79160000002")
    return lambda: Phone.objects.get(pk=row.pk).contact_id


def _email(keep, drop):
    EmailFactory(contact=keep, address="same@example.ru", is_primary=True)
    EmailFactory(contact=drop, address="same@example.ru", is_primary=True)
    row = EmailFactory(contact=drop, address="other@example.ru")
    return lambda: Email.objects.get(pk=row.pk).contact_id


def _consent(keep, drop):
    ConsentFactory(contact=keep, purpose=Consent.Purpose.PERSONAL_DATA, granted=True)
    ConsentFactory(contact=drop, purpose=Consent.Purpose.PERSONAL_DATA, granted=False)
    row = ConsentFactory(contact=drop, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True)
    return lambda: Consent.objects.get(pk=row.pk).contact_id


def _tag(keep, drop):
    tag = Tag.objects.create(name="VIP")
    drop.tags.add(tag)
    return lambda: keep.pk if keep.tags.filter(pk=tag.pk).exists() else drop.pk


def _task(keep, drop):
    task = task_create(
        actor=keep.owner,
        title="Call back",
        due_at=timezone.now() + dt.timedelta(days=1),
        subject=drop,
    )
    return lambda: int(Task.objects.get(pk=task.pk).object_id)


MOVERS = {
    "interactions": _interaction,
    "purchases": _purchase,
    "phones": _phone,
    "emails": _email,
    "consents": _consent,
    "tags": _tag,
    "tasks": _task,
}


def test_every_registered_mover_has_a_case_here():
    # the customer base's own movers; those of the apps above it are tested there
    # (deals/tests/test_deal_card.py for deals, leads and invoices)
    ours = {k for k, m in hooks.merge_movers().items() if m.move.__module__.startswith("contacts")}
    assert ours == set(MOVERS)


@pytest.mark.parametrize("kind", sorted(MOVERS))
def test_merge_moves_each_kind_of_record_and_undo_puts_it_back(kind, head):
    # given two records of one person, something of this kind on the one to drop
    keep = ContactFactory(owner=head, last_name="Петров")
    drop = ContactFactory(owner=head, last_name="Петров")
    where = MOVERS[kind](keep, drop)
    assert where() == drop.pk

    # when they are merged, then it is on the kept contact
    merge = services.contact_merge(actor=head, keep=keep, drop=drop)
    assert where() == keep.pk
    assert merge.moved[kind]

    # when the merge is undone, then it is back where it was
    services.contact_merge_undo(actor=head, merge=merge)
    assert where() == drop.pk


def test_a_clashing_phone_email_or_consent_stays_with_the_dropped_contact(head):
    keep = ContactFactory(owner=head)
    drop = ContactFactory(owner=head)
    for case in (_phone, _email, _consent):
        case(keep, drop)

    services.contact_merge(actor=head, keep=keep, drop=drop)

    assert list(keep.phones.values_list("number", flat=True).order_by("number")) == [
        "+79160000001",
        "+79160000002",
    ]
    assert keep.emails.count() == 2
    assert keep.consents.get(purpose=Consent.Purpose.PERSONAL_DATA).granted is True
    assert drop.phones.get().number == "+79160000001"


def test_undo_restores_the_kept_contacts_own_fields_and_value(head):
    keep = ContactFactory(owner=head, position="", birthday=None)
    drop = ContactFactory(owner=head, position="Director", birthday=dt.date(1980, 5, 17))
    PurchaseFactory(contact=drop, amount=Decimal("2000.00"))
    services.customer_value_refresh(contact_ids=[drop.pk])

    merge = services.contact_merge(actor=head, keep=keep, drop=drop)
    keep.refresh_from_db()
    assert (keep.position, keep.birthday, keep.lifetime_value) == (
        "Director",
        dt.date(1980, 5, 17),
        Decimal("2000.00"),
    )

    services.contact_merge_undo(actor=head, merge=merge)
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (keep.position, keep.birthday, keep.lifetime_value) == ("", None, Decimal("0"))
    assert drop.merged_into_id is None
    assert drop.lifetime_value == Decimal("2000.00")


# --- every service checks the role permission itself ---------------------------------------


def _new_phone(contact):
    return Phone(contact=contact, number="+79169990011")


REFUSALS = [
    # (who, service call, what must not have changed)
    (
        "marketer",
        lambda actor, c: services.contact_create(actor=actor, data={"last_name": "Новиков"}),
        lambda c: not Contact.objects.filter(last_name="Новиков").exists(),
    ),
    (
        "supervisor",
        lambda actor, c: services.contact_update(actor=actor, contact=c, data={"position": "CEO"}),
        lambda c: Contact.objects.get(pk=c.pk).position == "",
    ),
    (
        "marketer",
        lambda actor, c: services.company_create(actor=actor, data={"name": "ООО Новая"}),
        lambda c: not Company.objects.filter(name="ООО Новая").exists(),
    ),
    (
        "operator",
        lambda actor, c: services.company_delete(actor=actor, company=c.company),
        lambda c: Company.objects.filter(pk=c.company_id).exists(),
    ),
    (
        "marketer",
        lambda actor, c: services.note_add(actor=actor, contact=c, text="Перезвонить"),
        lambda c: not c.interactions.filter(kind=Interaction.Kind.NOTE).exists(),
    ),
    (
        "supervisor",
        lambda actor, c: services.interaction_add(
            actor=actor, contact=c, kind=Interaction.Kind.CALL
        ),
        lambda c: not c.interactions.filter(kind=Interaction.Kind.CALL).exists(),
    ),
    (
        "marketer",
        lambda actor, c: services.consent_set(
            actor=actor, contact=c, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True
        ),
        lambda c: not c.consents.exists(),
    ),
    (
        "marketer",
        lambda actor, c: services.phone_save(actor=actor, phone=_new_phone(c)),
        lambda c: not c.phones.exists(),
    ),
    (
        "supervisor",
        lambda actor, c: services.purchase_record(actor=actor, contact=c, amount=Decimal(10)),
        lambda c: not c.purchases.exists(),
    ),
    (
        "operator",
        lambda actor, c: services.contact_merge(
            actor=actor, keep=c, drop=ContactFactory(owner=c.owner)
        ),
        lambda c: not ContactMerge.objects.filter(kept=c).exists(),
    ),
]


@pytest.mark.parametrize(
    ("role", "call", "unchanged"),
    REFUSALS,
    ids=[f"{r}-{i}" for i, (r, _c, _u) in enumerate(REFUSALS)],
)
def test_a_service_refuses_a_role_without_the_permission(role, call, unchanged, request, head):
    actor = request.getfixturevalue(role)
    contact = ContactFactory(owner=head, position="", company=CompanyFactory())

    with pytest.raises(PermissionDenied):
        call(actor, contact)

    assert unchanged(contact)


def test_the_system_itself_passes_no_actor_and_is_not_refused(head):
    contact = ContactFactory(owner=head)

    purchase, created = services.purchase_record(actor=None, contact=contact, amount=Decimal(5))

    assert created
    assert purchase.contact_id == contact.pk


def test_a_role_with_the_permission_is_let_through(operator, head):
    contact = ContactFactory(owner=head)

    note = services.note_add(actor=operator, contact=contact, text="Перезвонить завтра")
    phone = services.phone_save(actor=operator, phone=_new_phone(contact))

    assert note.author == operator
    assert phone.is_primary


# --- the acting person in the change history -----------------------------------------------


def _last_event(contact: Contact):
    return contact.events.order_by("-pgh_id").first()


def test_work_outside_a_request_names_its_person_and_door(head):
    contact = ContactFactory(owner=head)

    with acting_as(head, via="command:test"):
        services.contact_update(actor=head, contact=contact, data={"position": "Buyer"})

    event = _last_event(contact)
    assert event.position == "Buyer"
    assert str(event.pgh_context.metadata["user"]) == str(head.pk)
    assert event.pgh_context.metadata["via"] == "command:test"


def test_a_change_through_the_staff_pages_names_the_person(client, manager):
    contact = ContactFactory(owner=manager, last_name="Сидоров")
    client.force_login(manager)

    response = client.post(
        f"/contacts/{contact.pk}/edit/",
        {
            "last_name": "Сидоров",
            "position": "Закупщик",
            "owner": manager.pk,
            "phones-TOTAL_FORMS": 0,
            "phones-INITIAL_FORMS": 0,
            "emails-TOTAL_FORMS": 0,
            "emails-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    event = _last_event(contact)
    assert event.position == "Закупщик"
    assert str(event.pgh_context.metadata["user"]) == str(manager.pk)
