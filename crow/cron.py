"""Periodic work, run by `python manage.py rqcron crow.cron` (started by `up`).

Each app adds its periodic jobs here; the functions are plain job functions enqueued on a queue,
so the work runs in the RQ worker, not in the scheduler process.
"""

from rq import cron

from crow.periodic import partitions_ensure_job

cron.register(partitions_ensure_job, queue_name="default", interval=6 * 3600)
