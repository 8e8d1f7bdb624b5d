"""What each role may do, as django-guardian object permissions on the Organization."""

from __future__ import annotations

from organizations.models import Role

VIEW_DASHBOARDS = "view_dashboards"
MANAGE_KEYS = "manage_keys"
MANAGE_MEMBERS = "manage_members"
MANAGE_CATALOG = "manage_catalog"
MANAGE_SETTINGS = "manage_settings"
RUN_GDPR_DELETION = "run_gdpr_deletion"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(
        {VIEW_DASHBOARDS, MANAGE_KEYS, MANAGE_MEMBERS, MANAGE_CATALOG, MANAGE_SETTINGS, RUN_GDPR_DELETION}
    ),
    Role.ADMIN: frozenset({VIEW_DASHBOARDS, MANAGE_KEYS, MANAGE_MEMBERS, MANAGE_CATALOG, RUN_GDPR_DELETION}),
    Role.ANALYST: frozenset({VIEW_DASHBOARDS, MANAGE_CATALOG}),
    Role.VIEWER: frozenset({VIEW_DASHBOARDS}),
}
ALL_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())
