"""The customer base: companies, people, how to reach them, what they did, what they agreed to."""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Reverse, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import validators


class Source(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")
    EXHIBITION = "exhibition", _("Exhibition")
    PORTAL = "portal", _("Client portal")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    """How the client prefers to be reached."""

    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    MESSENGER = "messenger", _("Messenger")
    MEETING = "meeting", _("In person")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="contacts_tag_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Party(models.Model):
    """What companies and people share: an owner, a source, an address, tags, notes."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.OTHER, blank=True
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Values of admin-defined custom fields, keyed by the field's code; see CustomField.
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


@pghistory.track()
class Company(Party):
    # The fields a person fills in, in the order the form shows them. The services, the form
    # and the API serializer all take this list, so a new field is added here once.
    EDITABLE_FIELDS = (
        "name",
        "legal_name",
        "inn",
        "kpp",
        "ogrn",
        "industry",
        "website",
        "owner",
        "source",
        "address",
        "region",
        "notes",
    )

    name = models.CharField(_("name"), max_length=255)
    legal_name = models.CharField(_("legal name"), max_length=255, blank=True)
    inn = models.CharField(
        _("INN"), max_length=12, blank=True, validators=[validators.validate_inn]
    )
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validators.validate_kpp])
    ogrn = models.CharField(
        _("OGRN"), max_length=15, blank=True, validators=[validators.validate_ogrn]
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="companies")

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name", "id"]
        indexes = [
            GinIndex(
                OpClass(Upper("name"), name="gin_trgm_ops"), name="contacts_company_name_trgm"
            ),
            models.Index(fields=["inn"], name="contacts_company_inn_idx", condition=~Q(inn="")),
            models.Index(fields=["owner", "name"], name="contacts_company_owner_idx"),
            GinIndex(fields=["custom"], name="contacts_company_custom_gin"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contacts:company-detail", args=[self.pk])


@pghistory.track()
class Contact(Party):
    # The fields a person fills in, in the order the form shows them (see Company).
    EDITABLE_FIELDS = (
        "last_name",
        "first_name",
        "middle_name",
        "position",
        "company",
        "owner",
        "source",
        "preferred_channel",
        "language",
        "time_zone",
        "birthday",
        "address",
        "region",
        "interests",
        "notes",
    )

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    middle_name = models.CharField(_("patronymic"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=12, choices=Channel.choices, blank=True
    )
    language = models.CharField(_("language"), max_length=8, blank=True, default="ru")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    interests = models.TextField(_("interests and hobbies"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="contacts")

    # Customer value, recomputed by contacts.tasks.recompute_customer_value so that cards and
    # segments read it without aggregating purchases.
    lifetime_value = models.DecimalField(
        _("lifetime value"), max_digits=16, decimal_places=2, default=Decimal("0")
    )
    value_currency = models.CharField(_("currency"), max_length=3, default="RUB")
    purchases_count = models.PositiveIntegerField(_("purchases"), default=0)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    rfm_recency = models.PositiveSmallIntegerField(_("RFM recency"), null=True, blank=True)
    rfm_frequency = models.PositiveSmallIntegerField(_("RFM frequency"), null=True, blank=True)
    rfm_monetary = models.PositiveSmallIntegerField(_("RFM monetary"), null=True, blank=True)

    # A merged-away contact stays as a tombstone pointing at the kept one, so a merge can be
    # undone and old links still resolve.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "id"]
        permissions = [
            ("export_contact", _("Can export contacts")),
            ("list_contact", _("Can list and search the client base")),
            ("merge_contact", _("Can merge contacts")),
            ("import_contact", _("Can import contacts")),
            # For integrations: reads in bulk past the role's daily cap (still logged).
            ("bulk_read_unlimited", _("Can read the client base in bulk without a daily cap")),
        ]
        indexes = [
            # Typo-tolerant name search (pg_trgm) over "last first middle".
            GinIndex(
                OpClass(
                    Upper(
                        models.functions.Concat(
                            "last_name",
                            models.Value(" "),
                            "first_name",
                            models.Value(" "),
                            "middle_name",
                            output_field=models.CharField(),
                        )
                    ),
                    name="gin_trgm_ops",
                ),
                name="contacts_contact_name_trgm",
            ),
            models.Index(fields=["owner", "last_name"], name="contacts_contact_owner_idx"),
            models.Index(fields=["-lifetime_value"], name="contacts_contact_ltv_idx"),
            GinIndex(fields=["custom"], name="contacts_contact_custom_gin"),
        ]

    def __str__(self) -> str:
        return self.full_name or str(_("Contact #%(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("contacts:contact-detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def rfm_score(self) -> str:
        if self.rfm_recency is None:
            return ""
        return f"{self.rfm_recency}{self.rfm_frequency}{self.rfm_monetary}"


class ContactPoint(models.Model):
    """A phone or e-mail of a person or of a company (exactly one of the two)."""

    # No index of its own: the unique constraints lead with the contact.
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_index=False,
    )
    company = models.ForeignKey(
        Company, verbose_name=_("company"), null=True, blank=True, on_delete=models.CASCADE
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        abstract = True


class Phone(ContactPoint):
    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        WORK = "work", pgettext_lazy("kind of phone or e-mail", "Work")
        HOME = "home", pgettext_lazy("kind of phone", "Home")
        FAX = "fax", _("Fax")
        OTHER = "other", _("Other")

    # E.164, e.g. +79161234567: every format a person types is normalised to this one.
    number = models.CharField(_("number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MOBILE)
    extension = models.CharField(_("extension"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, company__isnull=True)
                | Q(contact__isnull=True, company__isnull=False),
                name="contacts_phone_one_owner",
            ),
            models.UniqueConstraint(
                fields=["contact", "number"], name="contacts_phone_unique_per_contact"
            ),
        ]
        indexes = [
            models.Index(fields=["number"], name="contacts_phone_number_idx"),
            # The search box finds a phone by the digits a person remembers at its end: a
            # prefix search on the reversed number (pattern ops: LIKE 'abc%' under any collation).
            models.Index(
                OpClass(Reverse("number"), name="text_pattern_ops"),
                name="contacts_phone_suffix_idx",
            ),
        ]
        default_related_name = "phones"

    def __str__(self) -> str:
        return self.number


class Email(ContactPoint):
    class Kind(models.TextChoices):
        WORK = "work", pgettext_lazy("kind of phone or e-mail", "Work")
        PERSONAL = "personal", _("Personal")
        OTHER = "other", _("Other")

    address = models.EmailField(_("address"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WORK)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-is_primary", "id"]
        default_related_name = "emails"
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, company__isnull=True)
                | Q(contact__isnull=True, company__isnull=False),
                name="contacts_email_one_owner",
            ),
            models.UniqueConstraint(
                "contact", Lower("address"), name="contacts_email_unique_per_contact"
            ),
        ]
        indexes = [
            # Exact (case-insensitive) addresses and the beginning of one, in the search box.
            models.Index(
                OpClass(Lower("address"), name="text_pattern_ops"), name="contacts_email_lower_idx"
            )
        ]

    def __str__(self) -> str:
        return self.address

    def save(self, *args, **kwargs):
        self.address = (self.address or "").strip().lower()
        super().save(*args, **kwargs)


class CustomField(models.Model):
    """An extra field admins add to contacts or companies without code."""

    class Target(models.TextChoices):
        CONTACT = "contact", _("Contact")
        COMPANY = "company", _("Company")

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        MULTI = "multi", _("Multiple choice")
        BOOL = "bool", _("Yes / no")

    target = models.CharField(_("for"), max_length=10, choices=Target.choices)
    code = models.SlugField(
        _("code"), max_length=50, help_text=_("Used in the API, filters and imports.")
    )
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("For choice fields: a list of values.")
    )
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["target", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["target", "code"], name="contacts_customfield_code")
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        validators.validate_custom_field_definition(self)


class Interaction(models.Model):
    """One touchpoint on the client's timeline. Every channel writes here.

    Idempotent by (channel, external_id): the same call or e-mail ingested twice is one row.
    The table grows to tens of millions of rows: it is read by (contact, occurred_at) only, and
    is ready to be partitioned by month on occurred_at.
    """

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        CHAT = "chat", _("Chat")
        MEETING = "meeting", _("Meeting")
        NOTE = "note", _("Note")
        PORTAL = "portal", _("Portal message")
        PURCHASE = "purchase", _("Purchase")
        SURVEY = "survey", _("Survey answer")
        SYSTEM = "system", _("System event")

    class Direction(models.TextChoices):
        IN = "in", _("Incoming")
        OUT = "out", _("Outgoing")
        NONE = "", _("—")

    # Indexed by the composite index that leads with the contact (see Meta).
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="interactions",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, blank=True, default=""
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration, s"), null=True, blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    # Where it came from (a PBX, a mailbox, the portal…) and its id there.
    channel = models.CharField(_("channel"), max_length=40, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The deal, ticket or campaign it belongs to, when any.
    related_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # almost always empty; read through the related record, not by it
    )
    related_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "channel", "external_id"],
                condition=~Q(external_id=""),
                name="contacts_interaction_external_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["contact", "-occurred_at", "-id"], name="contacts_inter_timeline_idx"
            ),
            models.Index(
                fields=["contact", "kind", "-occurred_at"], name="contacts_inter_kind_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class Purchase(models.Model):
    # Indexed by the composite index that leads with the contact (see Meta).
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="purchases",
        db_index=False,
    )
    purchased_at = models.DateTimeField(_("date"), default=timezone.now)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    items = models.JSONField(_("items"), default=list, blank=True)
    store = models.CharField(_("store or channel"), max_length=100, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-purchased_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "external_id"],
                condition=~Q(external_id=""),
                name="contacts_purchase_external_once",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="contacts_purchase_amount"),
        ]
        indexes = [
            models.Index(fields=["contact", "-purchased_at"], name="contacts_purchase_contact_idx")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@pghistory.track()
class Consent(models.Model):
    """The client's consent for one purpose (152-FZ art. 9, GDPR art. 7).

    One row per contact and purpose holds the current state; the history of grants and
    withdrawals — the evidence a regulator asks for — is kept by pghistory.
    """

    class Purpose(models.TextChoices):
        PERSONAL_DATA = "personal_data", _("Processing of personal data")
        MARKETING_EMAIL = "marketing_email", _("Marketing e-mails")
        MARKETING_SMS = "marketing_sms", _("Marketing SMS")
        CALLS = "calls", _("Calls")

    # Indexed by the composite index that leads with the contact (see Meta).
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="consents",
        db_index=False,
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    changed_at = models.DateTimeField(_("when"), default=timezone.now)
    source = models.CharField(_("source"), max_length=100, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["purpose"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "purpose"], name="contacts_consent_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {'+' if self.granted else '-'}"


class ContactMerge(models.Model):
    """A merge of one contact into another, with what moved, so that it can be undone."""

    kept = models.ForeignKey(
        Contact, verbose_name=_("kept"), on_delete=models.CASCADE, related_name="merges_kept"
    )
    dropped = models.ForeignKey(
        Contact, verbose_name=_("merged"), on_delete=models.CASCADE, related_name="merges_dropped"
    )
    # {"<registry key>": [ids moved]} plus the fields copied onto the kept contact.
    moved = models.JSONField(_("moved records"), default=dict)
    kept_before = models.JSONField(_("kept contact before"), default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("contact merge")
        verbose_name_plural = _("contact merges")
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.dropped_id} → {self.kept_id}"


class ImportMapping(models.Model):
    """A column mapping saved under a name, offered again when a file with the same columns is
    imported (the next export from the same CRM). Shared by everyone who imports: it holds
    column names and fields, no client data."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # The file's column names, normalised and sorted, as one text: a file whose columns are the
    # same (in any order) is offered the mapping.
    headers_key = models.TextField(_("columns"), db_index=True)
    # [[column name, field code], …] in the file's order.
    columns = models.JSONField(_("fields of the columns"), default=list)
    date_order = models.CharField(_("order of dates"), max_length=3, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saved by"), null=True, on_delete=models.SET_NULL
    )
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["-saved_at", "-id"]

    def __str__(self) -> str:
        return self.name
