"""The raw archive: each processed session's events as gzipped NDJSON, through Django's storage API.

Files live at <org id>/<yyyy>/<mm>/<dd>/<session>.ndjson.gz (the day the session started) in the
"archive" storage: the file system under CROW_DATA_DIR/archive by default, S3 / R2 when
CROW_ARCHIVE_URL=s3://bucket/prefix is set (see the processing block in crow/settings.py)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from ingestion.models import Event
from processing.selectors import EVENT_ORDER

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def archive_storage() -> Storage:
    return storages["archive"]


def archive_name(*, organization_id: int, session_key: str, day: date) -> str:
    safe = UNSAFE.sub("_", session_key)[:80] or "session"
    # The hash keeps two ids that sanitise alike ("a/b", "a_b") apart.
    digest = hashlib.sha256(session_key.encode()).hexdigest()[:10]
    return f"{organization_id}/{day:%Y/%m/%d}/{safe}-{digest}.ndjson.gz"


def _default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def session_archive_write(*, organization_id: int, session_key: str, day: date) -> str:
    """Write (or overwrite, for a grown session) the archive file; returns its storage name."""
    rows = Event.objects.for_org(organization_id).filter(session_id=session_key).order_by(*EVENT_ORDER).values()
    body = "".join(json.dumps(row, default=_default, separators=(",", ":")) + "\n" for row in rows.iterator())
    name = archive_name(organization_id=organization_id, session_key=session_key, day=day)
    storage = archive_storage()
    if storage.exists(name):
        storage.delete(name)
    # mtime=0: the same events make the same bytes, so a rerun writes an identical file.
    return storage.save(name, ContentFile(gzip.compress(body.encode(), mtime=0)))


def session_archive_read(*, organization_id: int, session_key: str, day: date) -> list[dict[str, Any]]:
    name = archive_name(organization_id=organization_id, session_key=session_key, day=day)
    with archive_storage().open(name, "rb") as handle:
        return [json.loads(line) for line in gzip.decompress(handle.read()).decode().splitlines() if line]


def archive_delete_before(*, organization_id: int, cutoff: date) -> int:
    """Delete the org's archive files of days before `cutoff`; returns how many files went."""
    storage = archive_storage()
    root = str(organization_id)
    deleted = 0
    if not storage.exists(root) and not _listable(storage, root):
        return 0
    years, _ = storage.listdir(root)
    for year in years:
        months, _ = storage.listdir(f"{root}/{year}")
        for month in months:
            days, _ = storage.listdir(f"{root}/{year}/{month}")
            for day in days:
                try:
                    when = date(int(year), int(month), int(day))
                except ValueError:
                    continue
                if when >= cutoff:
                    continue
                _, files = storage.listdir(f"{root}/{year}/{month}/{day}")
                for name in files:
                    storage.delete(f"{root}/{year}/{month}/{day}/{name}")
                    deleted += 1
    return deleted


def _listable(storage: Storage, root: str) -> bool:
    # S3 has no directories: exists() on a prefix is False, but listdir() sees what is under it.
    try:
        dirs, files = storage.listdir(root)
    except (FileNotFoundError, NotImplementedError):
        return False
    return bool(dirs or files)
