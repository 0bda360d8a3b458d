"""Contact imports become jobs of the engine in crm (kind "contacts.import").

The rows keep their ids, so that links to an import's page still work. The format and the
column mapping go into the job's options; "previewed" is now called "checked". An import
queued or running while this migrates was sent to a task that no longer exists: it is marked
failed, to be checked and started again.
"""

from django.db import migrations

FORWARD = """
INSERT INTO crm_job (
    id, kind, created_by_id, status, dry_run, valid_only, file, original_name, options,
    total_rows, processed_rows, created_count, updated_count, error_count, errors,
    created_at, started_at, heartbeat_at, finished_at
)
SELECT
    id, 'contacts.import', created_by_id,
    CASE status
        WHEN 'previewed' THEN 'checked'
        WHEN 'queued' THEN 'failed'
        WHEN 'running' THEN 'failed'
        ELSE status
    END,
    false, import_valid_rows, file, original_name,
    jsonb_build_object('format', file_format, 'mapping', mapping),
    total_rows, processed_rows, created_count, updated_count, error_count, errors,
    created_at, NULL, NULL, finished_at
FROM contacts_importjob;

SELECT setval(
    pg_get_serial_sequence('crm_job', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL
) FROM crm_job;

-- The daily purge is the engine's now, scheduled under another name.
DELETE FROM django_celery_beat_periodictask WHERE name = 'contacts-purge-import-files';
"""

BACKWARD = """
INSERT INTO contacts_importjob (
    id, created_by_id, file, original_name, file_format, mapping, import_valid_rows, status,
    total_rows, processed_rows, created_count, updated_count, error_count, errors,
    created_at, finished_at
)
SELECT
    id, created_by_id, file, original_name, options ->> 'format',
    COALESCE(options -> 'mapping', '{}'::jsonb), valid_only,
    CASE status WHEN 'checked' THEN 'previewed' ELSE status END,
    total_rows, processed_rows, created_count, updated_count, error_count, errors,
    created_at, finished_at
FROM crm_job WHERE kind = 'contacts.import';

SELECT setval(
    pg_get_serial_sequence('contacts_importjob', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL
) FROM contacts_importjob;

DELETE FROM crm_job WHERE kind = 'contacts.import';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0003_drop_indexes_that_only_cost_writes"),
        ("crm", "0004_job"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.DeleteModel(name="ImportJob"),
    ]
