"""The sandbox: what a template may not do, and what a saved template is checked for."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from crm.messaging.rendering import RenderError, render, sample_context, template_errors


def test_the_sandbox_refuses_pythons_internals():
    errors = template_errors(subject="Hi", body="{{ ''.__class__.__mro__ }}")

    assert "body" in errors
    assert "may not use" in errors["body"][0]


@pytest.mark.parametrize(
    "body",
    [
        "{{ client.__class__ }}",
        "{{ client.items.__globals__ }}",
        "{{ ''.__class__.__base__.__subclasses__() }}",
        "{{ 'x' * 1000000 }}",
        "{% for i in range(100000) %}x{% endfor %}",
        "{{ lipsum.__globals__ }}",
    ],
)
def test_what_could_break_out_or_exhaust_the_worker_is_refused(body):
    with pytest.raises(RenderError):
        render(subject="s", body=body, context=sample_context())


def test_an_unknown_variable_fails_validation_with_the_names_available():
    errors = template_errors(subject="Hi", body="Hello {{ cleint.first_name }}")

    assert "cleint" in errors["body"][0]
    assert "client" in errors["body"][0]


def test_an_unknown_attribute_of_a_known_variable_fails_validation():
    errors = template_errors(subject="Hi", body="{{ deal.colour }}")

    assert "colour" in errors["body"][0]


def test_a_syntax_error_is_reported_with_its_line():
    errors = template_errors(subject="Ok", body="one\ntwo\nHi {{ client.first_name }\nfour")

    assert errors["body"][0].startswith("Line 3:")


def test_a_syntax_error_in_the_subject_is_the_subjects():
    assert set(template_errors(subject="{{ deal.title", body="fine")) == {"subject"}


def test_a_missing_value_at_send_time_is_a_clear_error():
    with pytest.raises(RenderError, match="client"):
        render(subject="Hi", body="{{ client.first_name }}", context={"deal": {}})


def test_html_is_escaped_whatever_the_data_holds():
    # given a client whose name is markup
    context = {"client": {"first_name": '<script>alert(1)</script><a href="x">'}}

    # when the message is rendered
    rendered = render(
        subject="Hi {{ client.first_name }}",
        body="Dear {{ client.first_name }}\n\nhttps://example.com/pay",
        context=context,
    )

    # then the text keeps it as typed, the HTML shows it as text, links are clickable
    assert "<script>" in rendered.body
    assert "<script>" not in rendered.body_html
    assert "&lt;script&gt;" in rendered.body_html
    assert '<a href="https://example.com/pay" rel="nofollow">' in rendered.body_html
    assert rendered.body_html.count("<p>") == 2


def test_markup_written_in_the_template_is_escaped_too():
    rendered = render(subject="s", body="<b>bold</b>", context={})

    assert "&lt;b&gt;" in rendered.body_html


def test_a_line_break_in_a_value_does_not_reach_the_subject():
    rendered = render(
        subject="Invoice {{ n }}", body="x", context={"n": "1\r\nBcc: victim@example.com"}
    )

    assert "\n" not in rendered.subject
    assert "\r" not in rendered.subject


def test_model_instances_are_refused_as_context(manager):
    with pytest.raises(TypeError, match="plain data"):
        render(subject="s", body="{{ manager }}", context={"manager": manager})


def test_money_and_dates_follow_the_language():
    context = {"invoice": {"total": Decimal("185000.5"), "currency": "₽"}}

    rendered = render(
        subject="s",
        body="{{ invoice.total|money(invoice.currency) }}",
        context=context,
        language="ru",
    )

    assert rendered.body == "185\xa0000,50 ₽"
    with translation.override("en"):
        assert render(subject="s", body="{{ 1234.5|money }}", context={}).body == "1,234.50"
