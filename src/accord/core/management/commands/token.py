"""`accord token create|list|revoke`: personal API tokens from the command line."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from accord.core import selectors, services
from accord.core.models import ApiToken, User


class Command(BaseCommand):
    help = (
        "Manage personal API tokens. `create USERNAME [--name NAME]` prints a new token once; "
        "`list USERNAME` shows a user's working tokens; `revoke ID` stops a token."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a token and print it, once.")
        create.add_argument("username", help="Username or e-mail of the token's owner.")
        create.add_argument("--name", default="command line", help="What the token is for.")
        listing = actions.add_parser("list", help="List a user's working tokens.")
        listing.add_argument("username", help="Username or e-mail.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("id", type=int, help="The token's id, as `list` shows it.")

    def handle(self, *args: str, **options: object) -> None:
        action = options["action"]
        if action == "create":
            self._create(str(options["username"]), str(options["name"]))
        elif action == "list":
            self._list(str(options["username"]))
        else:
            self._revoke(int(options["id"]))  # type: ignore[call-overload]

    def _user(self, login: str) -> User:
        user = User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login)).first()
        if user is None:
            raise CommandError(f"No user with the username or e-mail {login!r}.")
        return user

    def _create(self, login: str, name: str) -> None:
        user = self._user(login)
        try:
            token, plaintext = services.api_token_create(actor=None, user=user, name=name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(
            f"Token {token.pk} ({token.name!r}) for {user.username}. It is shown only now: copy it."
        )
        self.stdout.write(plaintext)

    def _list(self, login: str) -> None:
        user = self._user(login)
        tokens = selectors.api_tokens_visible_to(user)
        if not tokens:
            self.stdout.write(f"{user.username} has no working tokens.")
            return
        self.stdout.write(f"{'ID':>6}  {'PREFIX':<13} {'CREATED':<17} {'LAST USED':<17} NAME")
        for token in tokens:
            last_used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.pk:>6}  {token.prefix + '…':<13} {token.created_at:%Y-%m-%d %H:%M}"
                f"  {last_used:<17} {token.name}"
            )

    def _revoke(self, pk: int) -> None:
        token = ApiToken.objects.select_related("user").filter(pk=pk).first()
        if token is None:
            raise CommandError(f"No token with the id {pk}.")
        if token.revoked_at is not None:
            self.stdout.write(f"Token {pk} was already revoked.")
            return
        services.api_token_revoke(actor=None, token=token)
        self.stdout.write(f"Token {pk} ({token.name!r}) of {token.user.username} is revoked.")
