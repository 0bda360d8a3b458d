from django.urls import path

from deals.views import invoices as views

urlpatterns = [
    path("", views.invoice_list_view, name="invoice-list"),
    path("new/", views.invoice_create, name="invoice-create"),
    path("<int:pk>/", views.invoice_detail, name="invoice-detail"),
    path("<int:pk>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path("<int:pk>/issue/", views.invoice_issue, name="invoice-issue"),
    path("<int:pk>/cancel/", views.invoice_cancel, name="invoice-cancel"),
    path("<int:pk>/send/", views.invoice_send, name="invoice-send"),
    path("<int:pk>/payments/", views.payment_create, name="payment-create"),
]
