"""The events table, partitioned by month on `timestamp`, and its dedupe index.

Partitions are made ahead by crow_event_partitions_ensure() (called here and by the scheduler);
a DEFAULT partition catches anything outside them (far-future clocks, old imports), so an insert
never fails for want of a partition. Retention drops whole monthly partitions.
"""

from django.db import migrations

FORWARD = r"""
CREATE TABLE ingestion_event (
    organization_id bigint NOT NULL,
    event_id uuid NOT NULL,
    timestamp timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    type varchar(32) NOT NULL,
    name text,
    session_id text,
    anonymous_id text,
    user_id text,
    url_host text,
    url_path text,
    url_query text,
    title text,
    referrer text,
    element jsonb,
    x double precision,
    y double precision,
    properties jsonb,
    device_type text,
    browser text,
    os text,
    country varchar(2),
    ip text,
    api_key_id bigint,
    PRIMARY KEY (organization_id, timestamp, event_id)
) PARTITION BY RANGE (timestamp);

CREATE INDEX ingestion_event_org_session ON ingestion_event (organization_id, session_id, timestamp);
CREATE INDEX ingestion_event_org_type_time ON ingestion_event (organization_id, type, timestamp);
CREATE TABLE ingestion_event_default PARTITION OF ingestion_event DEFAULT;

CREATE TABLE ingestion_eventkey (
    organization_id bigint NOT NULL,
    event_id uuid NOT NULL,
    timestamp timestamptz NOT NULL,
    PRIMARY KEY (organization_id, event_id)
);
CREATE INDEX ingestion_eventkey_time ON ingestion_eventkey (timestamp);

CREATE OR REPLACE FUNCTION crow_event_partitions_ensure(months_back int, months_ahead int) RETURNS void AS $$
DECLARE
    month date;
    name text;
BEGIN
    FOR i IN -months_back..months_ahead LOOP
        month := (date_trunc('month', now()) + make_interval(months => i))::date;
        name := 'ingestion_event_' || to_char(month, 'YYYY_MM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF ingestion_event FOR VALUES FROM (%L) TO (%L)',
                name, month::timestamptz, (month + interval '1 month')::timestamptz
            );
        END IF;
    END LOOP;
END;
$$ LANGUAGE plpgsql;

SELECT crow_event_partitions_ensure(1, 3);
"""

BACKWARD = """
DROP FUNCTION IF EXISTS crow_event_partitions_ensure(int, int);
DROP TABLE IF EXISTS ingestion_eventkey;
DROP TABLE IF EXISTS ingestion_event CASCADE;
"""


class Migration(migrations.Migration):
    dependencies = [("ingestion", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
