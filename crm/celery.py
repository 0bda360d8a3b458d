import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task_name: str, *args, **kwargs) -> None:
    """Start the task registered as ``task_name`` when the current transaction commits (at
    once outside a transaction), so that a worker never looks for a row not yet committed.

    Imports go one way in every app: tasks import services, as views do. A service that
    starts background work names its task instead of importing it, the way a producer names
    a queue.
    """
    if task_name not in app.tasks:
        # Outside a worker nothing has imported the apps' tasks modules yet (a command, a
        # process that never touched them): load them as the worker does at start.
        app.loader.import_default_modules()
    app.tasks[task_name].delay_on_commit(*args, **kwargs)
