"""The migration that makes contact imports jobs of the engine in crm, there and back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("contacts", "0003_drop_indexes_that_only_cost_writes"),
    ("crm", "0003_notification_email_claim"),
]
AFTER = [("contacts", "0004_import_jobs_move_to_crm"), ("crm", "0004_job")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _rows(sql: str, params: tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_imports_become_jobs_with_their_ids_and_come_back(head):
    _migrate(BEFORE)
    try:
        # given imports made before the engine: a checked one and one left queued
        _rows(
            """
            INSERT INTO contacts_importjob (id, created_by_id, file, original_name, file_format,
                mapping, import_valid_rows, status, total_rows, processed_rows, created_count,
                updated_count, error_count, errors, created_at)
            VALUES
                (41, %s, 'imports/2026/11/a.csv', 'a.csv', 'csv', '{"0": "full_name"}',
                 true, 'previewed', 3, 3, 2, 1, 0, '[]', now()),
                (42, %s, 'imports/2026/11/b.vcf', 'b.vcf', 'vcf', '{}',
                 false, 'queued', 1, 0, 0, 0, 0, '[]', now())
            RETURNING id
            """,
            (head.pk, head.pk),
        )

        # when the migration runs
        _migrate(AFTER)

        # then they are jobs of the contact import, under the same ids
        assert _rows(
            "SELECT id, kind, status, valid_only, file, options::text FROM crm_job ORDER BY id"
        ) == [
            (
                41,
                "contacts.import",
                "checked",
                True,
                "imports/2026/11/a.csv",
                '{"format": "csv", "mapping": {"0": "full_name"}}',
            ),
            # its task no longer exists: it is to be checked and started again
            (
                42,
                "contacts.import",
                "failed",
                False,
                "imports/2026/11/b.vcf",
                '{"format": "vcf", "mapping": {}}',
            ),
        ]
        # and the next job does not collide with them
        assert _rows("SELECT nextval(pg_get_serial_sequence('crm_job', 'id'))") == [(43,)]

        # when it is undone, the imports are back as they were
        _migrate(BEFORE)
        assert _rows(
            "SELECT id, status, file_format, mapping::text FROM contacts_importjob ORDER BY id"
        ) == [(41, "previewed", "csv", '{"0": "full_name"}'), (42, "failed", "vcf", "{}")]
    finally:
        # Back to the latest migrations (later ones of crm too), not only to AFTER.
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
