from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.models import ApiKey, ApiKeyKind, Organization
from organizations.selectors import api_keys_for_org
from organizations.services import api_key_create, api_key_revoke, api_key_rotate


class Command(BaseCommand):
    help = "Create, list, rotate and revoke API keys. A new key is printed alone on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--org", required=True)
        create.add_argument("--kind", required=True, choices=ApiKeyKind.values)
        create.add_argument("--domain", action="append", default=[], help="allowed domain (repeatable)")
        create.add_argument("--rate", type=int, help="events per second (default 1000)")
        create.add_argument("--name", default="")
        listing = sub.add_parser("list")
        listing.add_argument("--org", required=True)
        for name in ("rotate", "revoke"):
            sub.add_parser(name).add_argument("prefix")

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        if action in ("create", "list"):
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"no organization with slug {options['org']!r}")
            if action == "create":
                issued = api_key_create(
                    organization=organization,
                    kind=str(options["kind"]),
                    name=str(options["name"]),
                    allowed_domains=list(options["domain"]),  # type: ignore[call-overload]
                    rate_limit=options["rate"],  # type: ignore[arg-type]
                )
                self.stdout.write(f"Created {issued.api_key.kind} key {issued.api_key.prefix}… (shown once):")
                self.stdout.write(issued.raw)
                return
            for key in api_keys_for_org(organization=organization):
                state = (
                    "revoked"
                    if key.revoked_at
                    else (f"expires {key.expires_at:%Y-%m-%d %H:%M}" if key.expires_at else "active")
                )
                domains = ",".join(key.allowed_domains) or "*"
                self.stdout.write(
                    f"{key.prefix}  {key.kind:<11}  {state:<22}  rate={key.rate_limit}  domains={domains}"
                )
            return
        prefix = str(options["prefix"]).rstrip("…")[:16]
        api_key = ApiKey.objects.filter(prefix=prefix).select_related("organization").first()
        if api_key is None:
            raise CommandError(f"no key with prefix {prefix!r}")
        if action == "revoke":
            api_key_revoke(api_key=api_key)
            self.stdout.write(f"Revoked {api_key.prefix}…")
        else:
            issued = api_key_rotate(api_key=api_key)
            self.stdout.write(
                f"Rotated {api_key.prefix}…; it works until {api_key.expires_at:%Y-%m-%d %H:%M} UTC. New key:"
            )
            self.stdout.write(issued.raw)
