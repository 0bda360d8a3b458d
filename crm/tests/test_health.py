"""/healthz tells monitoring whether the database, Redis and a worker are alive."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from crm.tasks import HEARTBEAT_KEY, worker_heartbeat

pytestmark = pytest.mark.django_db


def test_healthy_when_a_worker_beat_recently(client):
    worker_heartbeat()

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["worker"]["age_seconds"] < 60
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_degraded_without_a_worker_heartbeat(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["worker"] == {"ok": False, "last_heartbeat": None}


def test_degraded_when_the_last_heartbeat_is_old(client, settings):
    old = timezone.now() - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE + 30)
    cache.set(HEARTBEAT_KEY, old.isoformat(), timeout=None)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


def test_healthz_needs_no_login_and_only_answers_get(client):
    worker_heartbeat()

    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
