"""The worker survives a database restart: a job that hit a dead connection does not doom the next."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection

from processing import services
from processing.models import Interaction
from processing.worker import SessionWorker
from tests.conftest import database_url_for_tests
from tests.factories import OrgFactory, events_insert
from tests.processing.conftest import ACCEPTANCE_EVENTS

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_dead_connection_fails_one_job_and_the_next_reconnects(sessions_queue: Any) -> None:
    shop = OrgFactory.with_catalog(OrgFactory.create())
    for key in ("first", "second"):
        events_insert(shop, key, [*ACCEPTANCE_EVENTS, {"type": "session_end", "t": 40}])
        services.session_enqueue(organization_id=shop.pk, session_key=key, queue=sessions_queue)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    # The database drops this process's connection, as a restart or a failover would.
    with psycopg.connect(database_url_for_tests(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    SessionWorker([sessions_queue], connection=sessions_queue.connection).work(burst=True, with_scheduler=False)

    stored = set(Interaction.objects.for_org(shop).values_list("session_key", flat=True))
    assert "second" in stored  # the job after the failure got a fresh connection
