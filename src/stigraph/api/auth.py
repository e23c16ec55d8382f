"""Who is asking: bearer tokens from the settings mapped to a scope and a write right.

No cookies and no sessions: a browser cannot attach a token to a cross-site form post, so
CSRF cannot write. Tokens are compared in constant time; a token may be configured as its
SHA-256 digest (``sha256:<hex>``) so that the settings need not hold the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from stigraph.config import Grant, Settings
from stigraph.errors import StigraphError


class Unauthorized(StigraphError):
    """No usable credentials (401)."""

    code = "unauthorized"


class Forbidden(StigraphError):
    """Credentials without the right this request needs (403)."""

    code = "forbidden"


@dataclass(frozen=True)
class Principal:
    scope: str  # public, partner or all
    write: bool
    name: str  # token holder's name, or "anonymous"
    client: str  # key for per-client limits: token name or the client address

    @property
    def anonymous(self) -> bool:
        return self.name == "anonymous"


class Authenticator:
    def __init__(self, settings: Settings) -> None:
        self._plain: list[tuple[bytes, Grant]] = []
        self._hashed: list[tuple[bytes, Grant]] = []
        for token, grant in settings.tokens.items():
            if token.startswith("sha256:"):
                self._hashed.append((bytes.fromhex(token[7:]), grant))
            else:
                self._plain.append((token.encode(), grant))

    def principal(self, authorization: str | None, client_address: str) -> Principal:
        if not authorization:
            return Principal("public", False, "anonymous", client_address)
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("only 'Authorization: Bearer <token>' is accepted")
        grant = self._lookup(token.strip().encode())
        if grant is None:
            raise Unauthorized("the bearer token is not valid")
        name = grant.name or "token"
        return Principal(grant.scope, grant.write, name, f"token:{name}")

    def _lookup(self, token: bytes) -> Grant | None:
        found: Grant | None = None
        for secret, grant in self._plain:
            if hmac.compare_digest(secret, token):
                found = grant
        digest = hashlib.sha256(token).digest()
        for secret, grant in self._hashed:
            if hmac.compare_digest(secret, digest):
                found = grant
        return found


def require_write(principal: Principal) -> None:
    if principal.anonymous:
        raise Unauthorized("writing needs a bearer token with write scope")
    if not principal.write:
        raise Forbidden("this token may read but not write")
