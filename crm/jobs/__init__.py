"""The job engine: long work with a progress bar, the same way for every app.

An app describes a kind of job once (``kinds.JobKind``: its permission, how it reads an
uploaded file, the step that goes through the rows, its page) and registers it from its
``AppConfig.ready()``. The engine does the rest for every kind:

- ``services``: keep the upload, queue the check (a dry run) or the real run, run it under a
  per-job lock in one transaction, write progress on a connection of its own so that the bar
  moves while that transaction is open, and purge old uploads;
- ``selectors``: the jobs a person may look at;
- ``views`` and ``crm/templates/crm/jobs/``: the polled progress partial, the start button,
  the frame of a job's page;
- ``crm.tasks.run_job``: the Celery task, one for every kind.
"""
