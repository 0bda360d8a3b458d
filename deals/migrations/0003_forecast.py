"""Indexes of the forecast, the KPIs and the sales generator.

Two of them are on tables of the apps below sales (the timeline, the tasks), which sales must not
add to the models of; all are written here in SQL and built CONCURRENTLY, because the timeline
and the tasks are big tables that must keep taking writes while an index is built.
"""

from django.db import migrations

INDEXES = {
    # Plan against fact and won KPIs: won deals of a manager by the month they closed.
    "deals_deal_closed_owner_idx": (
        "deals_deal (owner_id, closed_at) WHERE closed_at IS NOT NULL"
    ),
    # The sales generator: won deals of a pipeline by when they closed.
    "deals_deal_closed_pipe_idx": (
        "deals_deal (pipeline_id, closed_at) WHERE closed_at IS NOT NULL"
    ),
    # The weighted pipeline: open deals of a manager by expected close date.
    "deals_deal_forecast_idx": (
        "deals_deal (owner_id, expected_close_date) WHERE closed_at IS NULL"
    ),
    # Conversion per stage: the moves of a period.
    "deals_stagechange_when_idx": "deals_dealstagechange (changed_at, to_stage_id)",
    # Leads received: by owner and the moment they were assigned (created, if never).
    "deals_lead_received_idx": "deals_lead (owner_id, (COALESCE(assigned_at, created_at)))",
    # Activities: what a person recorded on the timeline in a period.
    "contacts_inter_author_idx": (
        "contacts_interaction (author_id, occurred_at) WHERE author_id IS NOT NULL"
    ),
    # Activities: the tasks a person finished in a period.
    "crm_task_done_idx": "crm_task (assignee_id, completed_at) WHERE status = 'done'",
}


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deals", "0002_invoices"),
        ("contacts", "0006_import_mapping"),
        ("crm", "0007_job_attempts"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target}",
            f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, target in INDEXES.items()
    ]
