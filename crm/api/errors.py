"""One error format for the whole API.

Every error answers ``{"status": 400, "code": "invalid", "detail": "…", "fields": {…}}``;
``fields`` maps a field name (``non_field_errors`` for the whole object) to its messages.
Validation errors raised by services (Django's ``ValidationError``) and their
``PermissionDenied`` get the same shape as DRF's own. An answer that needs more than that
(the ids of the duplicates a create ran into, say) raises ``ApiError`` with the extra keys.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """An error answered in the one format, with extra top-level keys.

    ``raise ApiError(message, code="duplicate", duplicates=[3, 5])`` answers
    ``{"status": 400, "code": "duplicate", "detail": message,
    "fields": {"non_field_errors": [message]}, "duplicates": [3, 5]}``.
    """

    status_code = 400
    default_code = "error"

    def __init__(
        self,
        detail: str,
        *,
        code: str,
        status_code: int = 400,
        fields: dict[str, list[str]] | None = None,
        **extra,
    ) -> None:
        super().__init__(detail, code)
        self.status_code = status_code
        self.fields = {"non_field_errors": [str(detail)]} if fields is None else fields
        self.extra = extra


def api_error_response(status: int, code: str, detail: str) -> JsonResponse:
    """The error body outside a DRF view (the URL router's 404 under ``/api/``)."""
    return JsonResponse(
        {"status": status, "code": code, "detail": str(detail), "fields": {}}, status=status
    )


def _django_to_drf(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                (k if k != "__all__" else "non_field_errors"): [str(m) for e in v for m in e]
                for k, v in exc.error_dict.items()
            }
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        return serializers.ValidationError(detail)
    return exc


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list):
                out[key] = [str(v) for v in value if not isinstance(v, dict)]
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        for sub, msgs in _flatten(item).items():
                            out[f"{key}.{i}.{sub}"] = msgs
            else:
                out[key] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc, context):
    exc = _django_to_drf(exc)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        body = {
            "status": response.status_code,
            "code": exc.detail.code,
            "detail": str(exc.detail),
            "fields": exc.fields,
            **exc.extra,
        }
    elif isinstance(exc, exceptions.ValidationError):
        body = {
            "status": response.status_code,
            "code": "invalid",
            "detail": _("Some fields are not valid."),
            "fields": _flatten(exc.detail),
        }
    else:
        detail = getattr(exc, "detail", str(exc))
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = {
            "status": response.status_code,
            "code": codes if isinstance(codes, str) else "error",
            "detail": str(detail),
            "fields": {},
        }
    response.data = body
    return response


# --- the errors in the OpenAPI schema ----------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API has this shape; some add keys (``duplicates``).",
    "properties": {
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "fields": {
            "type": "object",
            "description": "Messages per field (``custom.budget``); ``non_field_errors`` for "
            "the request as a whole.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["status", "code", "detail", "fields"],
}
ERROR_DESCRIPTIONS = {
    "400": "The request is not valid: a field, a filter, a cursor or the JSON body.",
    "401": "No valid credentials: send `Authorization: Token <key>` or a session cookie.",
    "403": "The role may not do this.",
    "404": "No such record among those the user may see.",
    "415": "The body is not JSON.",
    "429": "Too many requests; try again later.",
}


def _throttled(generator, path: str, method: str) -> bool:
    for endpoint_path, _regex, endpoint_method, callback in generator.endpoints or ():
        if endpoint_path == path and endpoint_method.lower() == method:
            return bool(getattr(getattr(callback, "cls", None), "throttle_classes", ()))
    return False


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: the error answers every operation can give.

    Written once here rather than on each view: 400 where there is input (a body or query
    parameters), 401 and 403 where credentials are needed, 404 on a record's address, 415 where
    a body is read, 429 where the view is throttled — all with the one error body.
    """
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    global_security = result.get("security")
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = []
            if operation.get("requestBody") or operation.get("parameters"):
                codes.append("400")
            security = operation.get("security", global_security)
            if security and any(security):
                codes += ["401", "403"]
            if "{" in path:
                codes.append("404")
            if operation.get("requestBody"):
                codes.append("415")
            if _throttled(generator, path, method):
                codes.append("429")
            for code in codes:
                operation["responses"].setdefault(
                    code, {"description": ERROR_DESCRIPTIONS[code], "content": reference}
                )
    return result
