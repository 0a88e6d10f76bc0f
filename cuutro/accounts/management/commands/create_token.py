from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cuutro.accounts.models import User
from cuutro.accounts.services import token_create


class Command(BaseCommand):
    help = "Create an API bearer token for USERNAME and print it (it is stored hashed and shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'IOC feed'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {options['username']!r}")
        _, secret = token_create(user=user, name=options["name"])
        self.stdout.write(secret)
