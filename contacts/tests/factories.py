"""factory_boy factories of the customer base."""

from __future__ import annotations

import factory
from django.utils import timezone

from contacts.models import Company, Consent, Contact, Email, Interaction, Phone, Purchase


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"ООО «Ромашка-{n}»")


class ContactFactory(factory.django.DjangoModelFactory):
    """A person; ``ContactFactory(phone="+79161234567", email="a@b.ru")`` adds a phone/e-mail."""

    class Meta:
        model = Contact
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name", locale="ru_RU")
    last_name = factory.Faker("last_name", locale="ru_RU")

    @factory.post_generation
    def phone(self, create, extracted, **kwargs):
        if create and extracted:
            Phone.objects.create(contact=self, number=extracted, is_primary=True)

    @factory.post_generation
    def email(self, create, extracted, **kwargs):
        if create and extracted:
            Email.objects.create(contact=self, address=extracted, is_primary=True)


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phone

    contact = factory.SubFactory(ContactFactory)
    number = factory.Sequence(lambda n: f"+7916{n:07d}")


class EmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Email

    contact = factory.SubFactory(ContactFactory)
    address = factory.Sequence(lambda n: f"client{n}@example.ru")


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    contact = factory.SubFactory(ContactFactory)
    kind = Interaction.Kind.CALL
    direction = Interaction.Direction.IN
    occurred_at = factory.LazyFunction(timezone.now)
    subject = factory.Sequence(lambda n: f"Call #{n}")


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    contact = factory.SubFactory(ContactFactory)
    amount = 1000
    currency = "RUB"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    contact = factory.SubFactory(ContactFactory)
    purpose = Consent.Purpose.PERSONAL_DATA
    granted = True
