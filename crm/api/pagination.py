from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination


class CursorPagination(pagination.CursorPagination):
    """Stable pages over large, changing lists: no OFFSET scans, no skipped or repeated rows.

    A cursor is opaque; one that was edited by hand answers 400 in the API's error format
    (DRF alone answers 404, or fails in the database when the position does not fit the
    ordering field), never a server error.
    """

    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"
    invalid_cursor_message = _("This page link is not valid: start again from the first page.")

    def _invalid(self) -> exceptions.ValidationError:
        return exceptions.ValidationError(
            {self.cursor_query_param: [self.invalid_cursor_message]}, code="invalid_cursor"
        )

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise self._invalid() from None

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, DjangoValidationError):
            # A well-formed cursor whose position is not a value of the ordering field.
            raise self._invalid() from None
