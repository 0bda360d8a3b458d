"""The product catalog and a deal's product lines (the block of the deal card, edited in place
with htmx)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.forms import form_errors_add
from crm.permissions import require_permission

from ..forms_invoices import DealLineAddForm, DealLineEditForm, ProductForm
from ..invoice_registrations import lines_block_context
from ..models import Deal, DealLine, Product
from ..selectors.deals import deals_visible_to
from ..selectors.invoices import products_catalog
from ..services import products as services

PAGE = 50


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "deals.view_product")
    query = request.GET.get("q", "").strip()[:100]
    show_all = request.GET.get("all") == "1"
    rows = products_catalog(request.user, query=query, active_only=not show_all)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "deals/products/list.html",
        {"page": page, "products": page.object_list, "query": query, "show_all": show_all},
    )


def _product_form(request: HttpRequest, product: Product | None) -> HttpResponse:
    require_permission(request.user, "deals.change_product" if product else "deals.add_product")
    form = ProductForm.for_product(product, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if product is None:
                    product = services.product_create(actor=request.user, **form.cleaned_data)
                    messages.success(request, _("Product added to the catalog."))
                else:
                    services.product_update(
                        actor=request.user, product=product, **form.cleaned_data
                    )
                    messages.success(request, _("Product saved."))
                return redirect("deals:product-list")
            except ValidationError as exc:
                form_errors_add(form, exc)
        status = 400
    return render(
        request, "deals/products/form.html", {"form": form, "product": product}, status=status
    )


@login_required
def product_create(request: HttpRequest) -> HttpResponse:
    return _product_form(request, None)


@login_required
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "deals.change_product")
    return _product_form(request, get_object_or_404(Product, pk=pk))


# --- a deal's lines (htmx) ------------------------------------------------------------------


def _visible_deal(user, pk: int) -> Deal:
    deal = deals_visible_to(user).filter(pk=pk).first()
    if deal is None:
        raise Http404
    return deal


def _lines_block(
    request, deal: Deal, *, form=None, line_error: str = "", status: int = 200
) -> HttpResponse:
    context = lines_block_context(deal, request.user) | {"deal": deal, "line_error": line_error}
    if form is not None:
        context["add_form"] = form
    return render(request, "deals/products/_deal_lines.html", context, status=status)


@login_required
@require_POST
def deal_line_add(request: HttpRequest, deal_pk: int) -> HttpResponse:
    require_permission(request.user, "deals.add_dealline")
    deal = _visible_deal(request.user, deal_pk)
    form = DealLineAddForm(request.POST)
    if form.is_valid():
        try:
            services.deal_line_add(actor=request.user, deal=deal, **form.cleaned_data)
            return _lines_block(request, deal)
        except ValidationError as exc:
            form_errors_add(form, exc)
    return _lines_block(request, deal, form=form, status=400)


def _visible_line(user, pk: int) -> DealLine:
    line = DealLine.objects.select_related("deal").filter(pk=pk).first()
    if line is None or not deals_visible_to(user).filter(pk=line.deal_id).exists():
        raise Http404
    return line


@login_required
@require_POST
def deal_line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "deals.change_dealline")
    line = _visible_line(request.user, pk)
    form = DealLineEditForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.deal_line_update(actor=request.user, line=line, **form.cleaned_data)
            return _lines_block(request, line.deal)
        except ValidationError as exc:
            error = " ".join(m for ms in exc.message_dict.values() for m in ms)
    else:
        error = " ".join(m for ms in form.errors.values() for m in ms)
    return _lines_block(request, line.deal, line_error=error, status=400)


@login_required
@require_POST
def deal_line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "deals.delete_dealline")
    line = _visible_line(request.user, pk)
    deal = line.deal
    services.deal_line_remove(actor=request.user, line=line)
    return _lines_block(request, deal)
