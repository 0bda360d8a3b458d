"""The public web form endpoint: form-encoded and JSON bodies, UTM tags, the honeypot, the
rate limits, CORS for the allowed sites only, and garbage that never makes it answer 500."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deals.models import Lead
from deals.tests.factories import ProductFactory

from .factories_leads import WebFormFactory

pytestmark = pytest.mark.django_db

ORIGIN = "https://mebel-primer.ru"


@pytest.fixture
def web_form():
    return WebFormFactory(allowed_origins=[ORIGIN], product=ProductFactory(name="Кухня «Лофт»"))


def submit_url(web_form) -> str:
    return f"/deals/leads/forms/{web_form.key}/submit/"


def test_a_form_encoded_post_from_the_allowed_site_makes_a_lead(client, web_form):
    response = client.post(
        submit_url(web_form),
        {
            "name": "Ирина",
            "phone": "8 903 111-22-33",
            "message": "Кухня 3 м",
            "utm_source": "yandex",
            "utm_campaign": "kuhni",
            "region": "Москва",
            "language": "ru",
        },
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert response.json() == {"ok": True, "message": web_form.success_message}
    lead = Lead.objects.get()
    assert (lead.channel, lead.source, lead.web_form, lead.product) == (
        "web_form",
        "web_form",
        web_form,
        web_form.product,
    )
    assert (lead.phone, lead.utm_source, lead.utm_campaign, lead.region) == (
        "+79031112233",
        "yandex",
        "kuhni",
        "Москва",
    )


def test_a_json_post_makes_a_lead_and_bad_fields_answer_400(client, web_form):
    response = client.post(
        submit_url(web_form),
        json.dumps({"email": "anna@example.ru", "name": "Анна"}),
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 200
    response = client.post(
        submit_url(web_form),
        json.dumps({"phone": "12", "email": "nope"}),
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"phone", "email"}
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert Lead.objects.count() == 1


def test_the_honeypot_answers_like_a_success_and_makes_nothing(client, web_form):
    response = client.post(
        submit_url(web_form),
        {"name": "Bot", "phone": "+79031112233", "website": "http://spam.example"},
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert not Lead.objects.exists()


def test_a_flood_from_one_address_is_refused_with_429(client, web_form):
    codes = [
        client.post(
            submit_url(web_form), {"phone": f"+7903111220{i}"}, HTTP_ORIGIN=ORIGIN
        ).status_code
        for i in range(8)
    ]
    assert codes[:5] == [200] * 5
    assert codes[5:] == [429] * 3
    assert Lead.objects.count() == 5


def test_a_flood_on_one_form_from_many_addresses_is_refused(client, web_form, monkeypatch):
    from deals.views import webform

    monkeypatch.setattr(webform, "RATE_PER_FORM", 3)
    codes = [
        client.post(
            submit_url(web_form), {"phone": f"+7903111220{i}"}, REMOTE_ADDR=f"10.0.0.{i}"
        ).status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert Lead.objects.count() == 3


def test_cors_preflight_for_the_allowed_site(client, web_form):
    response = client.options(
        submit_url(web_form),
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert response["Access-Control-Allow-Headers"] == "Content-Type"
    assert "Origin" in response["Vary"]


def test_another_site_is_refused_for_the_preflight_and_the_post(client, web_form):
    evil = "https://evil.example"
    response = client.options(
        submit_url(web_form), HTTP_ORIGIN=evil, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    response = client.post(submit_url(web_form), {"phone": "+79031112233"}, HTTP_ORIGIN=evil)
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    # the same site over plain http is another origin
    response = client.post(
        submit_url(web_form), {"phone": "+79031112233"}, HTTP_ORIGIN="http://mebel-primer.ru"
    )
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_an_unknown_or_inactive_form_answers_404(client, web_form):
    assert (
        client.post("/deals/leads/forms/nope/submit/", {"phone": "+79031112233"}).status_code == 404
    )
    web_form.is_active = False
    web_form.save()
    assert client.post(submit_url(web_form), {"phone": "+79031112233"}).status_code == 404
    assert client.get(f"/deals/leads/forms/{web_form.key}/embed.js").status_code == 404


def test_the_embed_script_carries_the_form_and_may_be_loaded_by_other_sites(client, web_form):
    response = client.get(f"/deals/leads/forms/{web_form.key}/embed.js", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    body = response.content.decode()
    assert web_form.key in body
    assert "document.currentScript" in body


def test_other_methods_are_refused(client, web_form):
    response = client.get(submit_url(web_form))
    assert response.status_code == 405
    assert "POST" in response["Allow"]


def _forget_rates(web_form) -> None:
    # Only the counters: the broker shares this Redis, so the cache is never flushed whole.
    cache.delete_many(["rate:webform-ip:127.0.0.1", f"rate:webform-form:{web_form.pk}"])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)
FIELD_NAMES = st.sampled_from(
    [
        "name",
        "phone",
        "email",
        "company",
        "message",
        "product",
        "region",
        "language",
        "utm_source",
        "website",
        "x",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=6).map(lambda d: json.dumps(d).encode()),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    ),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain",
            "multipart/form-data; boundary=x",
            "",
        ]
    ),
    origin=st.sampled_from(
        [None, ORIGIN, "null", "https://evil.example", "::::", "https://mebel-primer.ru:99999"]
    ),
)
def test_garbage_never_makes_the_endpoint_fail(client, web_form, body, content_type, origin):
    _forget_rates(web_form)  # the rate limit is not what this test is about
    extra = {"HTTP_ORIGIN": origin} if origin is not None else {}
    response = client.generic(
        "POST", submit_url(web_form), body, content_type=content_type, **extra
    )
    assert response.status_code in (200, 400, 403, 413, 415)
    assert response["Content-Type"] == "application/json"


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=st.dictionaries(FIELD_NAMES, st.text(max_size=400), max_size=8))
def test_any_text_in_the_fields_makes_a_lead_or_a_400(client, web_form, fields):
    _forget_rates(web_form)
    before = Lead.objects.count()
    response = client.post(submit_url(web_form), fields, HTTP_ORIGIN=ORIGIN)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["errors"]
        assert Lead.objects.count() == before
