from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cuutro.accounts.models import Organisation, Role, RoleAssignment, User
from cuutro.accounts.services import role_assign, role_revoke
from cuutro.geo.models import Area

ROLES = ", ".join(Role.values)


class Command(BaseCommand):
    help = (
        "Give USERNAME a ROLE (or take it away with --revoke); the change is recorded in the audit log. "
        f"Roles: {ROLES}. Official roles need --area (a province or commune code), org_member needs --organisation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", help=ROLES)
        parser.add_argument("--area", metavar="CODE", help="area code, e.g. 44 for a province or 19333 for a commune")
        parser.add_argument("--organisation", metavar="NAME", help="exact organisation name, for org_member")
        parser.add_argument("--revoke", action="store_true", help="take the role away instead of giving it")
        parser.add_argument("--reason", default="", help="why, for the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if options["role"] not in Role.values:
            raise CommandError(f"unknown role {options['role']!r}; choose one of: {ROLES}")
        role = Role(options["role"])
        area = None
        if options["area"] is not None:
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"no area with code {options['area']!r}")
        organisation = None
        if options["organisation"] is not None:
            organisation = Organisation.objects.filter(name=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"no organisation named {options['organisation']!r}")
        where = f" in {area.code} ({area.name})" if area else (f" of {organisation.name}" if organisation else "")

        held = RoleAssignment.objects.filter(user=user, role=role, area=area, organisation=organisation).first()
        if options["revoke"]:
            if held is None:
                raise CommandError(f"{username} does not hold the role {role.value}{where}")
            role_revoke(actor=None, assignment=held, reason=options["reason"])
            self.stdout.write(f"revoked {role.value}{where} from {username}")
            return
        if held is not None:
            self.stdout.write(f"{username} already holds {role.value}{where}; nothing changed")
            return
        try:
            role_assign(actor=None, user=user, role=role, area=area, organisation=organisation, reason=options["reason"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"assigned {role.value}{where} to {username}")
