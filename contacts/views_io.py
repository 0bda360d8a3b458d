"""Staff UI of import and export: upload, column mapping, check, progress, result; downloads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.http import client_ip

from . import exports, imports, selectors
from .forms import SORTS_CONTACT
from .models import Contact, CustomField, ImportJob
from .views import list_filters

# The search box ranks the best matches; an export of a search takes this many at most.
EXPORT_SEARCH_LIMIT = 1000
ERRORS_SHOWN = 200


def _require_import(user) -> None:
    if not user.has_perm("contacts.import_contact"):
        raise PermissionDenied


def _job(request: HttpRequest, pk: int) -> ImportJob:
    _require_import(request.user)
    return get_object_or_404(imports.import_jobs_of(request.user), pk=pk)


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
    """One select per column of the file: which contact field it fills."""

    def __init__(self, *args, headers: list[str], mapping: dict[str, str], choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
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


def _state_context(request: HttpRequest, job: ImportJob, *, mapping_form=None) -> dict:
    errors = job.errors or []
    return {
        "job": job,
        "mapping_form": mapping_form,
        "in_progress": job.status in imports.IN_PROGRESS,
        "can_import": job.status in (ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED),
        "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
        "good_rows": max(0, job.total_rows - job.error_count),
    }


def _mapping_form(job: ImportJob, data=None) -> tuple[MappingForm, imports.Preview]:
    preview = imports.import_preview(job)
    targets = imports.import_targets()
    form = MappingForm(
        data,
        headers=preview.headers,
        mapping=job.mapping,
        choices=imports.target_choices(targets),
    )
    return form, preview


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    _require_import(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_upload(actor=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            return redirect("contacts:import-detail", pk=job.pk)
    recent = imports.import_jobs_of(request.user)[:10]
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

    POST (the mapping form) saves the mapping and checks every row.
    """
    job = _job(request, pk)
    mapping_form = preview = None
    editing = job.status == ImportJob.Status.UPLOADED or (
        job.status in imports.EDITABLE and request.GET.get("edit")
    )
    status = 200
    try:
        if request.method == "POST":
            mapping_form, preview = _mapping_form(job, request.POST)
            if mapping_form.is_valid():
                try:
                    imports.import_mapping_set(
                        actor=request.user, job=job, mapping=mapping_form.mapping()
                    )
                    imports.import_check(actor=request.user, job=job)
                except ValidationError as exc:
                    for message in exc.messages:
                        mapping_form.add_error(None, message)
                else:
                    return redirect("contacts:import-detail", pk=job.pk)
            status = 400
        elif editing:
            mapping_form, preview = _mapping_form(job)
    except imports.ImportFileError as exc:
        messages.error(request, " ".join(exc.messages))
        mapping_form = preview = None
    context = _state_context(request, job, mapping_form=mapping_form)
    context["preview"] = preview
    return render(request, "contacts/io/detail.html", context, status=status)


@login_required
@require_GET
@never_cache
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """What the page polls every second while the job runs; once it ends, the result."""
    job = _job(request, pk)
    return render(request, "contacts/io/_state.html", _state_context(request, job))


@login_required
@require_POST
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    valid_only = request.POST.get("valid_only") == "on"
    if job.status == ImportJob.Status.PREVIEWED and job.error_count and not valid_only:
        messages.error(
            request,
            _("Some rows have errors. Fix them in the file, or tick “Import valid rows only”."),
        )
        return redirect("contacts:import-detail", pk=job.pk)
    try:
        imports.import_start(actor=request.user, job=job, valid_only=valid_only)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("contacts:import-detail", pk=job.pk)


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
    response = StreamingHttpResponse(out.chunks, content_type=out.content_type)
    response["Content-Disposition"] = content_disposition_header(True, out.filename)
    response["X-Export-Count"] = str(out.count)
    return response
