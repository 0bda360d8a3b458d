"""``manage.py contacts_import``: the same import from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from contacts.models import Contact
from contacts.tests.io_support import csv_bytes
from crm.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


ROWS = [
    ["Фамилия", "Имя", "Телефон", "Непонятно что"],
    ["Иванов", "Иван", "+7 916 123-45-67", "x"],
    ["", "", "12345", "y"],  # nothing but an unreadable phone: refused
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def path(tmp_path):
    file = tmp_path / "clients.csv"
    file.write_bytes(csv_bytes(ROWS))
    return str(file)


def _call(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("contacts_import", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_dry_run_prints_the_columns_and_each_bad_row(head, path):
    with pytest.raises(CommandError) as exc:
        _call(path, "--dry-run", user=head.email)

    assert exc.value.returncode == 2
    assert "1 rows have errors" in str(exc.value)
    assert not Contact.objects.exists()
    assert Job.objects.get().status == Job.Status.CHECKED


def test_dry_run_output(head, path):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("contacts_import", path, "--dry-run", user=head.email, stdout=out, stderr=err)

    assert "Фамилия → Last name" in out.getvalue()
    assert "Not imported: Непонятно что" in out.getvalue()
    assert "Row 3, Телефон: “12345” is not a valid phone number." in err.getvalue()


def test_bad_rows_keep_the_whole_import_from_happening(head, path):
    with pytest.raises(CommandError) as exc:
        _call(path, user=head.email)

    assert exc.value.returncode == 2
    assert "Nothing was imported" in str(exc.value)
    assert not Contact.objects.exists()


def test_valid_only_imports_the_good_rows(head, path):
    out, err = _call(path, "--valid-only", user=head.email)

    assert "Created: 1, updated: 0, rows with errors: 1." in out
    assert "Row 3" in err
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Иванов"]


def test_a_clean_file_imports(head, tmp_path):
    file = tmp_path / "ok.csv"
    file.write_bytes(csv_bytes(ROWS[:2]))

    out, _err = _call(str(file), user=head.email.upper())

    assert "Created: 1" in out
    assert Contact.objects.count() == 1


def test_the_history_names_the_importer_and_the_command(head, tmp_path):
    file = tmp_path / "ok.csv"
    file.write_bytes(csv_bytes(ROWS[:2]))

    _call(str(file), user=head.email)

    events = Contact.pgh_event_model.objects.filter(pgh_obj=Contact.objects.get())
    contexts = [e.pgh_context.metadata for e in events.select_related("pgh_context")]
    assert contexts
    assert all(c["user"] == head.pk and c["via"] == "command:contacts_import" for c in contexts)


@pytest.mark.parametrize(
    ("args", "user", "message"),
    [
        (["/nonexistent/file.csv"], "head@example.com", "No such file"),
        (["PATH"], "nobody@example.com", "No active user"),
        (["PATH"], "manager@example.com", "may not import"),
        (["EMPTY"], "head@example.com", "empty"),
        (["NONAME"], "head@example.com", "name, a phone or an e-mail"),
    ],
)
def test_bad_input_exits_with_2_and_says_why(head, manager, path, tmp_path, args, user, message):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    noname = tmp_path / "noname.csv"
    noname.write_bytes(csv_bytes([["Город"], ["Тверь"]]))
    files = {"PATH": path, "EMPTY": str(empty), "NONAME": str(noname)}
    args = [files.get(a, a) for a in args]

    with pytest.raises(CommandError) as exc:
        _call(*args, user=user)

    assert exc.value.returncode == 2
    assert message in str(exc.value)
    assert not Contact.objects.exists()


def test_a_value_left_out_is_a_note_on_standard_output_not_an_error(head, tmp_path):
    # given a person whose e-mail cannot be read
    file = tmp_path / "people.csv"
    file.write_bytes(csv_bytes([["Фамилия", "Имя", "E-mail"], ["Орлова", "Анна", "anna@"]]))

    out, err = _call(str(file), user=head.email)

    # then she is imported, and the left-out e-mail is said as a note
    assert Contact.objects.get().last_name == "Орлова"
    assert "Note — Row 2, E-mail: " in out
    assert "The value was left out." in out
    assert err == ""
    assert "Created: 1, updated: 0, rows with errors: 0." in out


AMBIGUOUS = [["Фамилия", "Имя", "Дата рождения"], ["Орлова", "Анна", "03/07/1990"]]


def test_dates_the_file_does_not_settle_need_the_date_order(head, tmp_path):
    file = tmp_path / "birthdays.csv"
    file.write_bytes(csv_bytes(AMBIGUOUS))

    # without the order: refused with the reason, nothing imported
    with pytest.raises(CommandError) as exc:
        _call(str(file), user=head.email)
    assert exc.value.returncode == 2
    assert "choose the order of dates" in str(exc.value)
    assert "--date-order dmy or --date-order mdy" in str(exc.value)
    assert not Contact.objects.exists()

    # with it: read as told
    _call(str(file), user=head.email, date_order="mdy")
    assert str(Contact.objects.get().birthday) == "1990-03-07"


def test_an_unknown_date_order_is_refused_by_the_parser(head, tmp_path):
    file = tmp_path / "birthdays.csv"
    file.write_bytes(csv_bytes(AMBIGUOUS))

    with pytest.raises(CommandError, match="invalid choice"):
        _call(str(file), "--date-order", "ymd", user=head.email)
