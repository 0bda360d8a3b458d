"""Staff UI of the customer base: lists, the 360° card, forms, duplicates and merges."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from crm.http import client_ip
from crm.keyset import keyset_page
from crm.quick_tasks import quick_task_create
from crm.services import BulkReadRefused

from . import hooks, selectors, services
from .blocks import tasks_block_context
from .forms import (
    SORTS_COMPANY,
    SORTS_CONTACT,
    CompanyForm,
    ConsentForm,
    ContactForm,
    ListFilterForm,
    NoteForm,
    owners_for_filter,
    points_formsets,
    points_from,
    tags_parse,
)
from .models import (
    Company,
    Consent,
    Contact,
    CustomField,
    Interaction,
    Tag,
)
from .services.access import bulk_read

PAGE_SIZE = 50
TIMELINE_PAGE = 30
TAGS_IN_FILTER = 300


def _require(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


def _definitions(target: str) -> list[CustomField]:
    return list(CustomField.objects.filter(target=target, is_active=True).order_by("order", "id"))


def _page_url(request: HttpRequest, **changes) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


def list_filters(request: HttpRequest, *, target: str, sorts: dict, with_company: bool):
    """The bound filter form of a list and the conditions it adds (None when it is invalid)."""
    definitions = _definitions(target)
    form = ListFilterForm(
        request.GET,
        sorts=sorts,
        owners=list(owners_for_filter()),
        tags=list(Tag.objects.order_by("name")[:TAGS_IN_FILTER]),
        definitions=definitions,
        with_company=with_company,
    )
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    condition = Q()
    if data["owner"]:
        condition &= Q(owner_id=data["owner"])
    if data["source"]:
        condition &= Q(source=data["source"])
    if data["tag"]:
        condition &= Q(tags=data["tag"])
    if with_company and data.get("company"):
        condition &= Q(company_id=data["company"])
    custom, errors = form.custom_filters()
    for name, message in errors.items():
        form.add_error(name, message)
    if errors:
        return form, None
    return form, condition & custom


def _filters_context(request: HttpRequest, form: ListFilterForm) -> dict:
    return {
        "form": form,
        "filter_fields": [form["owner"], form["source"], form["tag"]],
        "custom_open": any(
            request.GET.get(form.custom_prefix + d.code) for d in form.custom_definitions
        ),
    }


# --- lists ---------------------------------------------------------------------------------


def _list_rows(
    request: HttpRequest, form, condition, *, listing: QuerySet, find, sorts: dict
) -> tuple[list, str | None, str]:
    """One page of a list of people or companies, and the search typed: the best matches of
    the search box narrowed by the filters, or a keyset page in the chosen order. Either way
    the look at the base is counted and recorded (a search by ``find``, a plain page as
    listed); past the person's daily cap the page says so and shows no rows."""
    if condition is None:
        return [], None, ""
    data = form.cleaned_data
    query = data["q"].strip()
    qs = listing.filter(condition)
    ip_address = client_ip(request)
    try:
        if query:
            rows = find(
                user=request.user, query=query, within=qs, limit=PAGE_SIZE, ip_address=ip_address
            )
            return rows, None, query
        order = sorts[data["sort"] or "new"][1]
        rows, next_cursor = keyset_page(qs, order, request.GET.get("after"), PAGE_SIZE)
        services.client_base_listed(
            user=request.user, model=listing.model, count=len(rows), ip_address=ip_address
        )
    except BulkReadRefused as exc:
        messages.error(request, str(exc))
        request.bulk_read_refused = True
        return [], None, query
    return rows, next_cursor, ""


def _list_page(request, template: str, form, condition, context: dict) -> HttpResponse:
    next_cursor = context.pop("next_cursor")
    context = {
        **_filters_context(request, form),
        **context,
        "masks": selectors.masked_fields_for(request.user),
        "next_url": _page_url(request, after=next_cursor) if next_cursor else "",
        "first_url": _page_url(request, after=None) if request.GET.get("after") else "",
    }
    status = 200 if condition is not None else 400
    if getattr(request, "bulk_read_refused", False):
        status = 429
    return render(request, template, context, status=status)


@login_required
@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "contacts.list_contact")
    form, condition = list_filters(
        request, target=CustomField.Target.CONTACT, sorts=SORTS_CONTACT, with_company=True
    )
    rows, next_cursor, query = _list_rows(
        request,
        form,
        condition,
        listing=selectors.contact_list(user),
        find=services.contacts_find,
        sorts=SORTS_CONTACT,
    )
    company = None
    if condition is not None and form.cleaned_data.get("company"):
        company = (
            selectors.companies_visible_to(user).filter(pk=form.cleaned_data["company"]).first()
        )
    context = {
        "contacts": rows,
        "query": query,
        "next_cursor": next_cursor,
        "company": company,
        "clear_company_url": _page_url(request, company=None, after=None),
        "export_query": _page_url(request, after=None).partition("?")[2],
        "tab": "contacts",
    }
    return _list_page(request, "contacts/contact_list.html", form, condition, context)


@login_required
@require_GET
def company_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "contacts.list_contact")
    form, condition = list_filters(
        request, target=CustomField.Target.COMPANY, sorts=SORTS_COMPANY, with_company=False
    )
    rows, next_cursor, query = _list_rows(
        request,
        form,
        condition,
        listing=selectors.company_list(user),
        find=services.companies_find,
        sorts=SORTS_COMPANY,
    )
    people = selectors.people_counts(user, [c.pk for c in rows]) if rows else {}
    for company in rows:
        company.people_count = people.get(company.pk, 0)
    context = {"companies": rows, "query": query, "next_cursor": next_cursor, "tab": "companies"}
    return _list_page(request, "contacts/company_list.html", form, condition, context)


# --- the 360° card -------------------------------------------------------------------------


def _merged_into_visible(user, pk: int) -> Contact | None:
    """The contact a merged-away ``pk`` now lives in, when the user may see it."""
    current = pk
    for _hop in range(10):  # merges can chain; bounded in case of a cycle
        kept = Contact.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if kept is None:
            break
        current = kept
    if current == pk:
        return None
    return selectors.contacts_visible_to(user).filter(pk=current).first()


def _timeline_kinds(request: HttpRequest) -> list[str]:
    return [k for k in request.GET.getlist("kind") if k in Interaction.Kind.values]


def _timeline_context(request: HttpRequest, contact: Contact, kinds: list[str]) -> dict:
    before = selectors.TimelineCursor.decode(request.GET.get("before", ""))
    items, cursor = selectors.interactions_timeline(
        contact, kinds=kinds or None, before=before, limit=TIMELINE_PAGE
    )
    base = reverse("contacts:contact-timeline", args=[contact.pk])
    card = reverse("contacts:contact-detail", args=[contact.pk])
    kind_query = urlencode([("kind", k) for k in kinds])
    chips = [
        {
            "value": "",
            "label": _("All"),
            "active": not kinds,
            "url": base,
            "href": f"{card}#timeline",
        }
    ]
    for value, label in Interaction.Kind.choices:
        chips.append(
            {
                "value": value,
                "label": label,
                "active": kinds == [value],
                "url": f"{base}?kind={value}",
                "href": f"{card}?kind={value}#timeline",
            }
        )
    more = ""
    if cursor is not None:
        more = "?" + "&".join(p for p in (kind_query, urlencode({"before": cursor.encode()})) if p)
    return {
        "contact": contact,
        "masks": selectors.masked_fields_for(request.user),
        "items": items,
        "chips": chips,
        "kinds": kinds,
        "more_url": f"{base}{more}" if more else "",
        "more_href": f"{card}{more}#timeline" if more else "",
        "is_older_page": before is not None,
    }


def _consent_rows(contact: Contact) -> list[dict]:
    current = {c.purpose: c for c in contact.consents.all()}
    return [
        {"purpose": value, "label": label, "consent": current.get(value)}
        for value, label in Consent.Purpose.choices
    ]


def _custom_rows(definitions: list[CustomField], values: dict) -> list[dict]:
    return [
        {"definition": d, "value": values[d.code]}
        for d in definitions
        if values.get(d.code) not in (None, "", [])
    ]


@login_required
@require_GET
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require(user, "contacts.view_contact")
    try:
        contact = selectors.contact_card(user, pk)
    except Contact.DoesNotExist:
        # Not "forbidden": a contact the user cannot see is one that does not exist for them.
        kept = _merged_into_visible(user, pk)
        if kept is None:
            raise Http404 from None
        messages.info(request, _("This contact was merged into %(name)s.") % {"name": kept})
        return redirect(kept)
    services.contact_viewed(user=user, contact=contact, ip_address=client_ip(request))
    timeline = _timeline_context(request, contact, _timeline_kinds(request))
    context = {
        **timeline,
        "masks": selectors.masked_fields_for(user),
        "phones": list(contact.phones.all()),
        "emails": list(contact.emails.all()),
        "tags": list(contact.tags.all()),
        "consents": _consent_rows(contact),
        "custom": _custom_rows(_definitions(CustomField.Target.CONTACT), contact.custom),
        "blocks": hooks.card_blocks(contact, user),
        "note_form": NoteForm(),
    }
    return render(request, "contacts/contact_detail.html", context)


def _visible_contact(user, pk: int) -> Contact:
    return get_object_or_404(selectors.contacts_visible_to(user), pk=pk)


@login_required
@require_GET
def contact_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline for htmx: with ``before``, the next older items; else the whole block
    (chips and first page) for another kind filter."""
    user = request.user
    _require(user, "contacts.view_contact")
    contact = _visible_contact(user, pk)
    if not request.htmx:
        return redirect(f"{contact.get_absolute_url()}?{request.GET.urlencode()}#timeline")
    context = _timeline_context(request, contact, _timeline_kinds(request))
    template = (
        "contacts/_timeline_items.html" if context["is_older_page"] else "contacts/_timeline.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require(user, "contacts.add_interaction")
    contact = _visible_contact(user, pk)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        note = services.note_add(
            actor=user, contact=contact, text=form.cleaned_data.get("body", "")
        )
    except ValidationError as exc:
        for messages_ in exc.message_dict.values():
            form.add_error("body", messages_)
        if not request.htmx:
            messages.error(request, " ".join(form.errors.get("body", [])))
            return redirect(contact)
        response = render(
            request, "contacts/_note_form.html", {"contact": contact, "note_form": form}, status=400
        )
        response["HX-Retarget"] = "#note-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    if not request.htmx:
        messages.success(request, _("Note added."))
        return redirect(contact)
    return render(
        request,
        "contacts/_timeline_item.html",
        {"item": note, "just_added": True, "masks": selectors.masked_fields_for(user)},
    )


def _task_add(request: HttpRequest, party: Contact | Company) -> HttpResponse:
    """A task about the client from the quick form of its card. With htmx the answer is the
    card's open-tasks block again — the new task in it, or the form with its errors (400)."""
    user = request.user
    _require(user, "crm.add_task")
    task, form = quick_task_create(request, party)
    if not request.htmx:
        return redirect(party)
    context = tasks_block_context(party, user, form=None if task is not None else form)
    return render(
        request,
        "contacts/_block_tasks.html",
        context,
        status=200 if task is not None else 400,
    )


@login_required
@require_POST
def contact_task_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "contacts.view_contact")
    return _task_add(request, _visible_contact(request.user, pk))


@login_required
@require_POST
def company_task_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "contacts.view_company")
    company = get_object_or_404(selectors.companies_visible_to(request.user), pk=pk)
    return _task_add(request, company)


@login_required
@require_POST
def consent_set(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require(user, "contacts.change_consent")
    contact = _visible_contact(user, pk)
    form = ConsentForm(request.POST)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_set(
                actor=user,
                contact=contact,
                purpose=data["purpose"],
                granted=data["granted"],
                source=data["source"],
                evidence=data["evidence"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            status = 400
    else:
        status = 400
    if not request.htmx:
        if status == 200:
            messages.success(request, _("Consent recorded."))
        else:
            messages.error(request, _("The consent was not recorded: give its source."))
        return redirect(contact)
    context = {
        "contact": contact,
        "consents": _consent_rows(contact),
        "consent_form": form if status != 200 else None,
        "failed_purpose": request.POST.get("purpose") if status != 200 else None,
        "just_saved": request.POST.get("purpose") if status == 200 else None,
    }
    return render(request, "contacts/_consents.html", context, status=status)


# --- create and edit -----------------------------------------------------------------------


def _errors_into(
    exc: ValidationError, form, phones, phone_at: list[int], emails, email_at: list[int]
) -> None:
    """Put a service's errors next to the inputs they are about."""
    for key, errors in exc.message_dict.items():
        head, _sep, rest = key.partition(".")
        if head in ("phones", "emails") and rest:
            index, _sep, field = rest.partition(".")
            formset, where = (phones, phone_at) if head == "phones" else (emails, email_at)
            try:
                row = formset.forms[where[int(index)]]
            except (ValueError, IndexError):
                form.add_error(None, errors)
                continue
            row.add_error(field if field in row.fields else None, errors)
        elif head == "custom" and rest:
            name = form.custom_prefix + rest
            form.add_error(name if name in form.fields else None, errors)
        elif key in form.fields:
            form.add_error(key, errors)
        else:
            form.add_error(None, errors)


def _save_party(
    request, form, phones, emails, service, **arguments
) -> tuple[object | None, list | None]:
    """Validate the form and formsets and call the create or update ``service`` with what they
    hold (and ``arguments``); returns the saved object, or the duplicates the service found."""
    if not (form.is_valid() and phones.is_valid() and emails.is_valid()):
        return None, None
    if "allow_duplicate" in form.fields:  # the person saw the warning and chose to go on
        arguments["allow_duplicate"] = form.cleaned_data.get("allow_duplicate", False)
    phone_rows, phone_at = points_from(phones, "number")
    email_rows, email_at = points_from(emails, "address")
    try:
        return (
            service(
                data=form.service_data(),
                phones=phone_rows,
                emails=email_rows,
                tags=tags_parse(form.cleaned_data.get("tags", "")),
                custom=form.custom_values(),
                **arguments,
            ),
            None,
        )
    except services.DuplicateContactError as exc:
        return None, exc.duplicates
    except ValidationError as exc:
        _errors_into(exc, form, phones, phone_at, emails, email_at)
        return None, None


def _duplicates_context(user, duplicates: list[Contact]) -> dict:
    """Only the duplicates the user may open are named; the rest are just counted."""
    visible, hidden = selectors.contacts_split_by_visibility(user, duplicates)
    return {"duplicates": visible, "hidden_duplicates": len(hidden)}


@dataclass(frozen=True)
class _PartyForms:
    """What differs between the create/edit pages of a person and of a company; the one view
    below does the rest for both."""

    model: type[Contact] | type[Company]
    form_class: type[ContactForm] | type[CompanyForm]
    key: str  # "contact" or "company": the service's argument and the template's variable
    target: str  # CustomField.Target
    create: Callable[..., Contact | Company]
    update: Callable[..., Contact | Company]
    created_message: str
    saved_message: str
    related: tuple[str, ...]
    visible: Callable[..., QuerySet]
    # What the page says (contacts/party_form.html) and the list it belongs to.
    new_title: str
    edit_title: str
    create_label: str
    list_label: str
    list_url_name: str


_CONTACT_FORMS = _PartyForms(
    model=Contact,
    form_class=ContactForm,
    key="contact",
    target=CustomField.Target.CONTACT,
    create=services.contact_create,
    update=services.contact_update,
    created_message=gettext_lazy("Contact “%(name)s” created."),
    saved_message=gettext_lazy("Contact saved."),
    related=("company", "owner"),
    visible=selectors.contacts_visible_to,
    new_title=gettext_lazy("New contact"),
    edit_title=gettext_lazy("Edit contact"),
    create_label=gettext_lazy("Create contact"),
    list_label=gettext_lazy("Contacts"),
    list_url_name="contacts:contact-list",
)
_COMPANY_FORMS = _PartyForms(
    model=Company,
    form_class=CompanyForm,
    key="company",
    target=CustomField.Target.COMPANY,
    create=services.company_create,
    update=services.company_update,
    created_message=gettext_lazy("Company “%(name)s” created."),
    saved_message=gettext_lazy("Company saved."),
    related=("owner",),
    visible=selectors.companies_visible_to,
    new_title=gettext_lazy("New company"),
    edit_title=gettext_lazy("Edit company"),
    create_label=gettext_lazy("Create company"),
    list_label=gettext_lazy("Companies"),
    list_url_name="contacts:company-list",
)


def _party_form(request: HttpRequest, kind: _PartyForms, pk: int | None = None) -> HttpResponse:
    """Create (``pk`` None) or edit a person or a company with their phones, e-mails, tags and
    custom fields; the service checks and saves, errors land next to their inputs."""
    user = request.user
    opts = kind.model._meta
    _require(user, f"{opts.app_label}.{'change' if pk else 'add'}_{opts.model_name}")
    party = None
    if pk is not None:
        party = get_object_or_404(
            kind.visible(user)
            .select_related(*kind.related)
            .prefetch_related("phones", "emails", "tags"),
            pk=pk,
        )
    definitions = _definitions(kind.target)
    stored = party.custom if party is not None else {}
    status, duplicates = 200, None
    if request.method == "POST":
        form = kind.form_class(request.POST, instance=party, user=user)
        form.add_custom_fields(definitions, stored)
        phones, emails = points_formsets(request.POST)
        if party is None:
            saved, duplicates = _save_party(request, form, phones, emails, kind.create, actor=user)
        else:
            # The service gets the row as stored, not the one the form parsed into.
            fresh = {kind.key: kind.model.objects.get(pk=party.pk)}
            saved, duplicates = _save_party(
                request, form, phones, emails, kind.update, actor=user, **fresh
            )
        if saved is not None:
            message = kind.saved_message if party else kind.created_message % {"name": saved}
            messages.success(request, message)
            return redirect(saved)
        status = 409 if duplicates else 400
    else:
        form = kind.form_class(
            instance=party, initial=_form_initial(request, kind, user), user=user
        )
        form.add_custom_fields(definitions, stored)
        phones, emails = points_formsets(owner=party)
        if party is None and request.GET.get("phone"):
            phones = type(phones)(prefix="phones", initial=[{"number": request.GET["phone"]}])
    context = {
        "form": form,
        "phones": phones,
        "emails": emails,
        kind.key: party,
        "party": party,
        "page": kind,
        "time_zones": sorted(zoneinfo.available_timezones()),
        **(_duplicates_context(user, duplicates) if duplicates else {}),
    }
    return render(request, f"contacts/{kind.key}_form.html", context, status=status)


def _form_initial(request: HttpRequest, kind: _PartyForms, user) -> dict:
    """A new person opened from a company's card starts in that company."""
    if kind.model is not Contact or not request.GET.get("company", "").isdigit():
        return {}
    company = selectors.companies_visible_to(user).filter(pk=request.GET["company"]).first()
    return {"company": company.pk, "company_name": company.name} if company else {}


@login_required
def contact_create(request: HttpRequest) -> HttpResponse:
    return _party_form(request, _CONTACT_FORMS)


@login_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _party_form(request, _CONTACT_FORMS, pk)


@login_required
def company_create(request: HttpRequest) -> HttpResponse:
    return _party_form(request, _COMPANY_FORMS)


@login_required
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _party_form(request, _COMPANY_FORMS, pk)


# --- companies -----------------------------------------------------------------------------

PEOPLE_ON_COMPANY_CARD = 50


@login_required
@require_GET
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require(user, "contacts.view_company")
    company = get_object_or_404(
        selectors.companies_visible_to(user)
        .select_related("owner", "created_by")
        .prefetch_related("phones", "emails", "tags"),
        pk=pk,
    )
    services.company_viewed(user=user, company=company, ip_address=client_ip(request))
    people = list(
        selectors.contacts_visible_to(user)
        .filter(company=company)
        .select_related("owner")
        .prefetch_related("phones", "emails")
        .order_by("last_name", "first_name", "id")[: PEOPLE_ON_COMPANY_CARD + 1]
    )
    context = {
        "company": company,
        "people": people[:PEOPLE_ON_COMPANY_CARD],
        "more_people": len(people) > PEOPLE_ON_COMPANY_CARD,
        "masks": selectors.masked_fields_for(user),
        "custom": _custom_rows(_definitions(CustomField.Target.COMPANY), company.custom),
        **(tasks_block_context(company, user) if user.has_perm("crm.view_task") else {}),
    }
    return render(request, "contacts/company_detail.html", context)


@login_required
@require_GET
def company_suggest(request: HttpRequest) -> HttpResponse:
    """Companies matching what is typed in a form's company box (name or INN)."""
    _require(request.user, "contacts.view_company")
    query = request.GET.get("company_name", request.GET.get("q", ""))
    companies = selectors.companies_search(request.user, query, limit=8)
    return render(
        request, "contacts/_company_suggest.html", {"companies": companies, "query": query}
    )


# --- duplicates and merges -----------------------------------------------------------------


@login_required
@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "contacts.list_contact")
    groups = selectors.duplicate_groups(user)
    status = 200
    try:
        # Contacts listed with their shared phone or e-mail: a bulk read like a list page.
        bulk_read(
            user=user,
            model=Contact,
            count=sum(len(g["contacts"]) for g in groups),
            query="duplicates",
            ip_address=client_ip(request),
        )
    except BulkReadRefused as exc:
        messages.error(request, str(exc))
        groups, status = [], 429
    return render(
        request,
        "contacts/duplicates.html",
        {"groups": groups, "masks": selectors.masked_fields_for(user), "tab": "duplicates"},
        status=status,
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()][:10]


@login_required
def contact_merge(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "contacts.merge_contact")
    source = request.POST if request.method == "POST" else request.GET
    ids = _ids(source.getlist("ids"))
    contacts = selectors.merge_candidates(user, ids)
    if len(contacts) < 2 or len(contacts) != len(set(ids)):
        raise Http404
    by_pk = {c.pk: c for c in contacts}
    status = 200
    error = ""
    if request.method == "POST":
        keep = by_pk.get(int(source["keep"])) if source.get("keep", "").isdigit() else None
        if keep is None:
            error = _("Choose the contact to keep.")
            status = 400
        else:
            drops = [c for c in contacts if c.pk != keep.pk]
            try:
                services.contacts_merge_many(actor=user, keep=keep, drops=drops)
            except ValidationError as exc:
                error = " ".join(exc.messages)
                status = 400
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d contact merged into %(name)s. You can undo it from the merge history.",
                        "%(count)d contacts merged into %(name)s. You can undo it from the merge history.",
                        len(drops),
                    )
                    % {"count": len(drops), "name": keep},
                )
                return redirect(keep)
    default_keep = max(contacts, key=lambda c: (c.moves["interactions"], -c.pk))
    keep_pk = int(source["keep"]) if source.get("keep", "").isdigit() else default_keep.pk
    return render(
        request,
        "contacts/merge.html",
        {
            "contacts": contacts,
            "keep_pk": keep_pk,
            "error": error,
            "masks": selectors.masked_fields_for(user),
            "tab": "duplicates",
        },
        status=status,
    )


@login_required
@require_GET
def merge_history(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "contacts.merge_contact")
    merges = list(selectors.merges_visible_to(user).order_by("-merged_at", "-id")[:100])
    for merge in merges:
        merge.moved_total = sum(len(ids) for ids in merge.moved.values() if isinstance(ids, list))
    return render(request, "contacts/merge_history.html", {"merges": merges, "tab": "merges"})


@login_required
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require(user, "contacts.merge_contact")
    merge = get_object_or_404(selectors.merges_visible_to(user), pk=pk)
    try:
        restored = services.contact_merge_undo(actor=user, merge=merge)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Merge undone: %(dropped)s is a separate contact again.") % {"dropped": restored},
        )
    return redirect("contacts:merge-history")
