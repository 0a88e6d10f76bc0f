from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cuutro.accounts.models import ApiToken
from cuutro.accounts.services import token_revoke


class Command(BaseCommand):
    help = "Revoke API tokens by their printed prefix (e.g. cuu_AbC123) or all tokens of --user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", nargs="?")
        parser.add_argument("--user", help="revoke every token of this username")
        parser.add_argument("--reason", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        tokens = ApiToken.objects.filter(revoked_at__isnull=True)
        if options["user"]:
            tokens = tokens.filter(user__username=options["user"])
        elif options["prefix"]:
            tokens = tokens.filter(prefix=options["prefix"])
        else:
            raise CommandError("give a token prefix or --user")
        count = 0
        for token in tokens:
            token_revoke(token=token, reason=options["reason"])
            count += 1
        self.stdout.write(f"{count} token(s) revoked")
