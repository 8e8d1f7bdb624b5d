from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError
from django.utils.text import slugify

from organizations.models import Organization
from organizations.services import organization_create


class Command(BaseCommand):
    help = "Create an organization and its owner (slug = slugified name)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--owner", required=True, help="the owner's email (also their login)")
        parser.add_argument("--password", help="the owner's password; generated and printed when omitted")

    def handle(self, *args: object, name: str, owner: str, password: str | None, **options: object) -> None:
        if Organization.objects.filter(slug=slugify(name)).exists():
            raise CommandError(f"an organization with slug {slugify(name)!r} already exists")
        try:
            organization, generated = organization_create(name=name, owner_email=owner, owner_password=password)
        except IntegrityError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Created organization {organization.name} (slug {organization.slug})")
        self.stdout.write(f"Owner: {owner}")
        if generated:
            self.stdout.write(f"Password: {generated}")
