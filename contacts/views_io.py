"""Staff UI of import and export: upload, column mapping, check, progress, result; downloads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from crm.http import client_ip
from crm.jobs.kinds import JobFileError
from crm.jobs.pages import job_for, job_state_context
from crm.jobs.selectors import jobs_visible_to
from crm.jobs.services import job_check
from crm.models import Job
from crm.services import BulkReadRefused

from . import exports, selectors
from .forms import SORTS_CONTACT
from .imports import mappings, readers, steps, targets
from .imports.dates import DateOrder
from .imports.steps import CONTACT_IMPORT
from .models import Contact, CustomField
from .views import list_filters

# The search box ranks the best matches; an export of a search takes this many at most.
EXPORT_SEARCH_LIMIT = 1000


def _require_import(user) -> None:
    if not user.has_perm(CONTACT_IMPORT.permission):
        raise PermissionDenied


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or Windows-1251, “;” or “,” between columns), Excel .xlsx or vCard "
            ".vcf. The first row of a table names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,.vcf,.vcard"}),
    )


class MappingForm(forms.Form):
    """One select per column of the file: which contact field it fills; the order of dates
    written with slashes; a name to save the mapping under."""

    date_order = forms.ChoiceField(
        label=gettext_lazy("Birthdays written with slashes"),
        choices=[("", gettext_lazy("as the file shows")), *DateOrder.choices],
        required=False,
    )
    save_as = forms.CharField(
        label=gettext_lazy("Save this mapping as"),
        help_text=gettext_lazy("It will be offered for the next file with the same columns."),
        max_length=100,
        required=False,
    )

    def __init__(
        self,
        *args,
        headers: list[str],
        mapping: dict[str, str],
        choices,
        date_order: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.fields["date_order"].initial = date_order
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=mapping.get(str(index), ""),
                widget=forms.Select(attrs={"aria-label": header}),
            )

    def mapping(self) -> dict[str, str]:
        return {str(i): self.cleaned_data.get(f"col_{i}") or "" for i in range(len(self.headers))}

    def columns(self):
        return [self[f"col_{i}"] for i in range(len(self.headers))]

    def asks_date_order(self) -> bool:
        """The order is asked only where a column is (or was just) chosen as the birthday."""
        if self.is_bound:
            chosen = [self.data.get(f"col_{i}") for i in range(len(self.headers))]
        else:
            chosen = [self.fields[f"col_{i}"].initial for i in range(len(self.headers))]
        return "birthday" in chosen or bool(self.fields["date_order"].initial)


def _mapping_form(job: Job, data=None) -> tuple[MappingForm, steps.Preview]:
    preview = steps.import_preview(job)
    form = MappingForm(
        data,
        headers=preview.headers,
        mapping=job.options["mapping"],
        choices=targets.target_choices(targets.import_targets()),
        date_order=job.options.get("date_order", ""),
    )
    return form, preview


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    _require_import(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = steps.import_upload(actor=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            return redirect("contacts:import-detail", pk=job.pk)
    recent = jobs_visible_to(request.user, kind=CONTACT_IMPORT.code)[:10]
    can_export = selectors.export_cap_for(request.user) > 0
    status = 400 if form.errors else 200
    return render(
        request,
        "contacts/io/upload.html",
        {"form": form, "recent": recent, "can_export": can_export},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job as it stands: mapping and preview, the check's result, progress, or the result.

    POST (the mapping form) saves the mapping and checks every row. The progress and the start
    button are the job engine's (``crm.jobs.views``).
    """
    _require_import(request.user)
    job = job_for(request, pk, kind=CONTACT_IMPORT.code)
    mapping_form = preview = None
    editing = job.status == Job.Status.UPLOADED or (
        job.status in (Job.Status.CHECKED, Job.Status.FAILED) and request.GET.get("edit")
    )
    status = 200
    try:
        if request.method == "POST" and "reuse" in request.POST:
            # A saved mapping put on the file; the page shows it to be checked.
            try:
                job = mappings.import_mapping_reuse(
                    actor=request.user, job=job, saved_id=int(request.POST["reuse"])
                )
            except (ValueError, ValidationError) as exc:
                problem = getattr(exc, "messages", None) or [_("Choose a saved mapping.")]
                messages.error(request, " ".join(problem))
            return redirect("contacts:import-detail", pk=job.pk)
        if request.method == "POST":
            mapping_form, preview = _mapping_form(job, request.POST)
            if mapping_form.is_valid():
                try:
                    job = mappings.import_mapping_choose(
                        actor=request.user,
                        job=job,
                        mapping=mapping_form.mapping(),
                        date_order=mapping_form.cleaned_data["date_order"],
                        save_as=mapping_form.cleaned_data["save_as"],
                    )
                    job_check(actor=request.user, job=job)
                except ValidationError as exc:
                    for message in exc.messages:
                        mapping_form.add_error(None, message)
                else:
                    return redirect("contacts:import-detail", pk=job.pk)
            status = 400
        elif editing:
            mapping_form, preview = _mapping_form(job)
    except JobFileError as exc:
        messages.error(request, " ".join(exc.messages))
        mapping_form = preview = None
    context = job_state_context(job)
    context.update(
        mapping_form=mapping_form,
        preview=preview,
        file_format=readers.Format(job.options["format"]).label,
    )
    if mapping_form is not None and preview is not None:
        context.update(
            export_format=mappings.export_format_label(preview.headers),
            saved_mappings=mappings.import_mappings_for(preview.headers),
            mapping_name=job.options.get("mapping_name", ""),
        )
    return render(request, "contacts/io/detail.html", context, status=status)


# --- export --------------------------------------------------------------------------------


def _export_refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    query = request.GET.copy()
    query.pop("format", None)
    back = reverse("contacts:contact-list")
    if query:
        back = f"{back}?{query.urlencode()}"
    return render(
        request, "contacts/io/export_error.html", {"message": message, "back": back}, status=status
    )


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """``?format=csv|xlsx|vcf|vcf4`` and the contact list's own filters and search."""
    user = request.user
    if selectors.export_cap_for(user) <= 0:
        raise PermissionDenied
    file_format = request.GET.get("format", "csv")
    form, condition = list_filters(
        request, target=CustomField.Target.CONTACT, sorts=SORTS_CONTACT, with_company=True
    )
    if condition is None:
        problems = "; ".join(
            f"{form.fields[name].label if name in form.fields else name}: {' '.join(errs)}"
            for name, errs in form.errors.items()
        )
        return _export_refused(
            request, _("The filters are not valid: %(problems)s") % {"problems": problems}
        )
    queryset = Contact.objects.filter(condition)
    query = form.cleaned_data["q"].strip()
    if query:
        found = selectors.contacts_search(user, query, limit=EXPORT_SEARCH_LIMIT)
        queryset = queryset.filter(pk__in=[c.pk for c in found])
    try:
        out = exports.contacts_export(
            user=user,
            queryset=queryset,
            file_format=file_format,
            query=request.GET.urlencode(),
            ip_address=client_ip(request),
        )
    except ValidationError as exc:
        return _export_refused(request, " ".join(exc.messages))
    except BulkReadRefused as exc:
        return _export_refused(request, str(exc), status=429)
    response = StreamingHttpResponse(out.chunks, content_type=out.content_type)
    response["Content-Disposition"] = content_disposition_header(True, out.filename)
    response["X-Export-Count"] = str(out.count)
    return response
