"""CDS Hooks settings: a frozen value read from PRECERT_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request

_TRUE = frozenset({"1", "on", "true", "yes"})
_FALSE = frozenset({"", "0", "off", "false", "no"})


class ConfigError(ValueError):
    """An environment variable holds a value the CDS service cannot use."""


# CDS Hooks answers for one payer and line of business (an EHR has no payer picker).
DEFAULT_PAYER = "Cigna"
DEFAULT_LOB = "Commercial"


@dataclass(frozen=True, slots=True)
class CdsConfig:
    """How the CDS Hooks service authenticates clients and whom it answers for.

    ``auth`` is off by default so a local EHR sandbox works out of the box; production
    deployments turn it on and name the JWKS sources and the issuers they trust.
    """

    auth: bool = False
    jwks: tuple[str, ...] = ()  # file paths or http(s) URLs of JSON Web Key Sets
    issuers: tuple[str, ...] = ()  # allowed `iss` values (empty: any issuer whose key we hold)
    audience: str | None = None  # public base URL of /cds-services (required with auth on)
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call /cds-services ("*": any)
    # whose list answers a request with no Coverage: Cigna Commercial unless configured
    # (None: the only payer loaded)
    payer: str | None = DEFAULT_PAYER
    line_of_business: str | None = DEFAULT_LOB
    # Coverage payor identifiers / names -> (folded key, payer, line of business or None);
    # see precert.web.cds.payers.
    payers: tuple[tuple[str, str, str | None], ...] = ()
    jwks_ttl: float = 300.0  # seconds a fetched JWKS URL is trusted before it is fetched again
    leeway: float = 30.0  # clock skew tolerated on exp / iat, seconds

    def __post_init__(self) -> None:
        # The expected `aud` must not come from the request's Host header: a token issued for
        # another service could then be replayed here by sending that Host.
        if self.auth and not self.jwks:
            raise ConfigError("PRECERT_CDS_AUTH=on needs PRECERT_CDS_JWKS (files or URLs)")
        if self.auth and not self.audience:
            raise ConfigError(
                "CDS Hooks authentication needs PRECERT_CDS_AUDIENCE, the public URL of "
                "/cds-services (e.g. https://precert.example.org/cds-services)"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CdsConfig:
        """Read ``PRECERT_CDS_*`` and ``PRECERT_CORS_ORIGINS`` (see README, "CDS Hooks")."""
        from precert.web.cds.payers import MappingError, parse_mapping

        env = os.environ if environ is None else environ
        try:
            payers = parse_mapping(env.get("PRECERT_CDS_PAYERS", ""))
        except MappingError as exc:
            raise ConfigError(str(exc)) from None
        auth_text = env.get("PRECERT_CDS_AUTH", "").strip().lower()
        if auth_text not in _TRUE | _FALSE:
            raise ConfigError(f"PRECERT_CDS_AUTH must be on or off, found {auth_text!r}")
        config = cls(
            auth=auth_text in _TRUE,
            jwks=_split(env.get("PRECERT_CDS_JWKS", "")),
            issuers=_split(env.get("PRECERT_CDS_ISSUERS", "")),
            audience=(env.get("PRECERT_CDS_AUDIENCE", "").strip().rstrip("/") or None),
            cors_origins=_split(env.get("PRECERT_CORS_ORIGINS", "")),
            # CDS Hooks answers for one payer: Cigna Commercial unless configured otherwise.
            payer=env.get("PRECERT_CDS_PAYER", "").strip() or DEFAULT_PAYER,
            line_of_business=env.get("PRECERT_CDS_LOB", "").strip() or DEFAULT_LOB,
            payers=payers,
        )
        return config


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def get_config(request: Request) -> CdsConfig:
    """The app's CDS settings: ``app.state.cds_config`` if set (tests inject one), else env."""
    state = request.app.state
    config = getattr(state, "cds_config", None)
    if not isinstance(config, CdsConfig):
        config = CdsConfig.from_env()
        state.cds_config = config
    return config
