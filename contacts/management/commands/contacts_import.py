"""``manage.py contacts_import FILE --user EMAIL [--dry-run] [--valid-only] [--date-order dmy|mdy]``

The same steps as the import page: the columns are mapped from their headers, every row is
checked through the contact services, and the import is all or nothing unless --valid-only.

Exit codes: 0 — imported (or the check found no errors); 2 — bad input: a missing or unreadable
file, an unknown user, columns that cannot be mapped, or rows with errors that kept the import
(or would keep it) from happening.
"""

from __future__ import annotations

import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from contacts.imports import readers, steps
from contacts.imports.dates import DateOrder
from contacts.imports.mappings import import_mapping_choose
from crm.history import acting_as
from crm.jobs.services import job_check, job_start
from crm.models import Job, User

BAD_INPUT = 2


class Command(BaseCommand):
    help = _("Import contacts from a CSV, XLSX or vCard file.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help=_("The file to import."))
        parser.add_argument(
            "--user",
            required=True,
            help=_("E-mail of the user the import is made as (needs the import permission)."),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check every row and report errors; save nothing."),
        )
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help=_("Import the valid rows even when other rows have errors."),
        )
        parser.add_argument(
            "--date-order",
            choices=DateOrder.values,
            default="",
            help=_(
                "How birthdays written with slashes read, when no date in the file settles it: "
                "dmy (31/12/1990) or mdy (12/31/1990)."
            ),
        )

    def handle(
        self,
        *args,
        path: str,
        user: str,
        dry_run: bool,
        valid_only: bool,
        date_order: str,
        **options,
    ):
        if not os.path.isfile(path):
            raise CommandError(_("No such file: %(path)s") % {"path": path}, returncode=BAD_INPUT)
        actor = User.objects.filter(email__iexact=user.strip(), is_active=True).first()
        if actor is None:
            raise CommandError(
                _("No active user with e-mail %(email)s.") % {"email": user},
                returncode=BAD_INPUT,
            )
        # The change history names the importer, and this command as the door it came through.
        with acting_as(actor, via="command:contacts_import"):
            self._import(
                path, actor=actor, dry_run=dry_run, valid_only=valid_only, date_order=date_order
            )

    def _import(
        self, path: str, *, actor: User, dry_run: bool, valid_only: bool, date_order: str
    ) -> None:
        try:
            with open(path, "rb") as fh:
                # A file on the server's disk: the size limit of browser uploads does not apply.
                job = steps.import_upload(
                    actor=actor, upload=File(fh, name=os.path.basename(path)), max_bytes=None
                )
            table = readers.job_table(job)
            # The same service as the mapping page: the guessed columns, and the order of
            # dates given here when the file does not settle it.
            job = import_mapping_choose(
                actor=actor, job=job, mapping=job.options["mapping"], date_order=date_order
            )
        except PermissionDenied:
            raise CommandError(
                _("%(user)s may not import contacts.") % {"user": actor.email},
                returncode=BAD_INPUT,
            ) from None
        except ValidationError as exc:
            problems = "\n".join(exc.messages)
            if any(e.code == "date_order" for e in getattr(exc, "error_list", [])):
                problems += "\n" + _("Give it with --date-order dmy or --date-order mdy.")
            raise CommandError(
                _("%(path)s cannot be imported:\n%(problems)s")
                % {"path": path, "problems": problems},
                returncode=BAD_INPUT,
            ) from None

        columns = steps.mapped_columns(job, table.headers)
        self.stdout.write(_("Columns:"))
        for header, label in columns:
            self.stdout.write(f"  {header} → {label}")
        skipped = [h for i, h in enumerate(table.headers) if not job.options["mapping"].get(str(i))]
        if skipped:
            self.stdout.write(_("Not imported: %(columns)s") % {"columns": ", ".join(skipped)})

        if dry_run:
            job = job_check(actor=actor, job=job, run_now=True)
        else:
            job = job_start(actor=actor, job=job, valid_only=valid_only, run_now=True)

        # Errors refuse their row; notes (a value left out, a property of a card that could
        # not be kept) only say what was not imported, on standard output.
        notes = [entry for entry in job.errors if entry.get("warning")]
        for entry in job.errors:
            if entry.get("warning"):
                self.stdout.write(
                    _("Note — %(where)s: %(message)s")
                    % {"where": _where(entry), "message": entry["message"]}
                )
            else:
                self.stderr.write(f"{_where(entry)}: {entry['message']}")
        if len(job.errors) - len(notes) < job.error_count:
            self.stderr.write(_("…and more; %(n)s rows have errors.") % {"n": job.error_count})

        summary = _("Created: %(created)s, updated: %(updated)s, rows with errors: %(errors)s.") % {
            "created": job.created_count,
            "updated": job.updated_count,
            "errors": job.error_count,
        }
        if dry_run:
            self.stdout.write(
                _("Check only, nothing saved. Would be — %(summary)s") % {"summary": summary}
            )
            if job.error_count:
                raise CommandError(
                    _("%(n)s rows have errors.") % {"n": job.error_count}, returncode=BAD_INPUT
                )
            return
        if job.status != Job.Status.DONE:
            raise CommandError(
                _("Nothing was imported. %(summary)s Fix the rows, or run with --valid-only.")
                % {"summary": summary},
                returncode=BAD_INPUT,
            )
        self.stdout.write(self.style.SUCCESS(summary))


def _where(entry: dict) -> str:
    if entry.get("field"):
        return _("Row %(row)s, %(column)s") % {"row": entry["row"], "column": entry["field"]}
    if entry.get("row"):
        return _("Row %(row)s") % {"row": entry["row"]}
    return _("File")
