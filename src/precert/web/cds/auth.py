"""CDS Hooks client authentication: verify the bearer JWT (ES384 / RS384) against trusted JWKS."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from precert.store.replay import ReplayLedger
from precert.web.cds.config import CdsConfig

# CDS Hooks 2.0 names ES384 and RS384; anything else (HS*, none, ...) is refused before any
# key is touched, so a token "signed" with a public key as an HMAC secret cannot pass.
ALGORITHMS = ("ES384", "RS384")
_KEY_TYPES = {"ES384": "EC", "RS384": "RSA"}
_REFRESH_AFTER_MISS = 30.0  # seconds between re-fetches triggered by an unknown kid
_MAX_JWKS_BYTES = 1 << 20
# CDS Hooks' security guidance: tokens live at most five minutes, RSA keys have 2,048 bits.
MAX_LIFETIME = 300.0
MIN_RSA_BITS = 2048


class AuthError(Exception):
    """The client is not authenticated (HTTP 401 with this message)."""


@dataclass
class KeyStore:
    """Public keys by ``kid`` from JWKS files and URLs; URLs are re-fetched after a TTL."""

    sources: tuple[str, ...]
    ttl: float = 300.0
    keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    loaded_at: float = float("-inf")
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def stale(self, now: float) -> bool:
        """True when the keys have never been loaded or a URL source has outlived its TTL."""
        has_url = any(s.startswith(("http://", "https://")) for s in self.sources)
        return self.loaded_at == float("-inf") or (has_url and now - self.loaded_at > self.ttl)

    def load(self, now: float | None = None) -> None:
        """(Re)read every source; a source that fails keeps its problem in ``errors``."""
        keys: dict[str, jwt.PyJWK] = {}
        errors: list[str] = []
        for source in self.sources:
            try:
                for kid, key in _parse_jwks(_read(source)):
                    keys.setdefault(kid, key)
            except (OSError, ValueError, jwt.PyJWKError) as exc:
                errors.append(f"{source}: {exc}")
        with self._lock:
            if keys or not self.keys:
                self.keys = keys
            self.errors = errors
            self.loaded_at = time.monotonic() if now is None else now

    def get(self, kid: str) -> jwt.PyJWK | None:
        """The key with this id, if any source holds it."""
        with self._lock:
            return self.keys.get(kid)


def _check_lifetime(claims: dict[str, Any]) -> None:
    """``exp`` and ``iat`` are numbers (PyJWT also takes numeric strings) at most
    :data:`MAX_LIFETIME` apart."""
    for name in ("exp", "iat"):
        value = claims[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AuthError(f"the token's {name} must be a number (seconds since 1970)")
    lifetime = float(claims["exp"]) - float(claims["iat"])
    if lifetime > MAX_LIFETIME:
        raise AuthError(
            f"the token lives {lifetime:.0f} s (exp - iat); at most {MAX_LIFETIME:.0f} s "
            "is accepted"
        )


def _read(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=5) as response:
            data: bytes = response.read(_MAX_JWKS_BYTES + 1)
    else:
        data = Path(source).expanduser().read_bytes()
    if len(data) > _MAX_JWKS_BYTES:
        raise ValueError("JWKS larger than 1 MiB")
    return data


def _parse_jwks(data: bytes) -> Iterable[tuple[str, jwt.PyJWK]]:
    document = json.loads(data)
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError("not a JWKS (no 'keys' array)")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use") not in (None, "sig") or entry.get("kty") not in ("EC", "RSA"):
            continue
        try:
            yield entry["kid"], jwt.PyJWK(entry)
        except jwt.PyJWKError:
            continue  # a key of a kind we do not verify with (e.g. another curve)


@dataclass
class Authenticator:
    """Checks ``Authorization: Bearer <jwt>`` headers for one configuration."""

    config: CdsConfig
    replay: ReplayLedger  # shared by the server's workers (see precert.store.replay)
    keys: KeyStore = field(init=False)
    _last_miss: float = float("-inf")

    def __post_init__(self) -> None:
        self.keys = KeyStore(self.config.jwks, ttl=self.config.jwks_ttl)

    def needs_io(self) -> bool:
        """True when verifying now would read key files or URLs first."""
        return self.keys.stale(time.monotonic())

    def refresh(self) -> None:
        """Read the key sources (blocking I/O: call it off the event loop)."""
        self.keys.load()

    def verify(self, header: str | None, audiences: Iterable[str]) -> dict[str, Any]:
        """The token's claims, or AuthError saying why the client is not trusted."""
        if not header or not header.lower().startswith("bearer "):
            raise AuthError("a bearer JWT is required (Authorization: Bearer <token>)")
        token = header[7:].strip()
        try:
            head = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("the bearer token is not a JWT") from None
        alg = head.get("alg")
        if alg not in ALGORITHMS:
            raise AuthError(f"token algorithm {alg!r} is not accepted; use ES384 or RS384")
        kid = head.get("kid")
        if not isinstance(kid, str):
            raise AuthError("the token header has no kid")
        if self.needs_io():
            self.refresh()
        key = self.keys.get(kid)
        now = time.monotonic()
        if key is None and now - self._last_miss > _REFRESH_AFTER_MISS:
            self._last_miss = now  # a client may have rotated keys: look once more
            self.refresh()
            key = self.keys.get(kid)
        if key is None:
            raise AuthError(f"no trusted key has kid {kid!r}")
        if key.key_type != _KEY_TYPES[alg]:
            raise AuthError(f"key {kid!r} is not a {_KEY_TYPES[alg]} key for {alg}")
        bits = getattr(key.key, "key_size", None)
        if alg == "RS384" and (not isinstance(bits, int) or bits < MIN_RSA_BITS):
            raise AuthError(f"key {kid!r} is an RSA key of {bits} bits; at least "
                            f"{MIN_RSA_BITS} are required")  # fmt: skip
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=list(audiences),
                leeway=self.config.leeway,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("the token's aud is not this service's URL") from None
        except jwt.PyJWTError as exc:
            raise AuthError(f"the token is not valid: {exc}") from None
        _check_lifetime(claims)
        issuer = claims["iss"]
        if self.config.issuers and issuer not in self.config.issuers:
            raise AuthError(f"issuer {issuer!r} is not trusted")
        if not isinstance(claims["jti"], str) or not claims["jti"]:
            raise AuthError("the token's jti must be a non-empty string")
        # Remember the jti as long as the token could still pass (exp plus the leeway).
        until = float(claims["exp"]) + self.config.leeway
        if not self.replay.first_use(str(issuer), claims["jti"], until, time.time()):
            raise AuthError("the token was already used (jti replayed)")
        return claims
