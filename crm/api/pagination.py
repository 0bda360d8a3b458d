from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Stable pages over large, changing lists: no OFFSET scans, no skipped or repeated rows."""

    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"
