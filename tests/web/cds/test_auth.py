"""CDS Hooks client JWTs: ES384 / RS384 keys from JWKS files or URLs; every forgery refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from precert.web.cds import CdsConfig

CRD = Path(__file__).resolve().parents[2] / "fixtures" / "crd"
BODY = (CRD / "inferno_crd_client_suite_v220__order_sign_request_bodies__0.json").read_bytes()
AUDIENCE = "https://precert.example.org/cds-services"
SERVICE_URL = AUDIENCE + "/precert-order-sign"
ISSUER = "https://ehr.example.org"


class Keys:
    """An EC P-384 and an RSA key pair, published as one JWKS."""

    def __init__(self) -> None:
        self.ec = ec.generate_private_key(ec.SECP384R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        """The public keys as a JWKS document."""
        ec_jwk = json.loads(ECAlgorithm.to_jwk(self.ec.public_key()))
        rsa_jwk = json.loads(RSAAlgorithm.to_jwk(self.rsa.public_key()))
        ec_jwk.update(kid="ec-1", alg="ES384", use="sig")
        rsa_jwk.update(kid="rsa-1", alg="RS384", use="sig")
        return {"keys": [ec_jwk, rsa_jwk]}

    def token(self, alg: str = "ES384", **claims: Any) -> str:
        """A signed client JWT; ``claims`` override the defaults (None removes one)."""
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": SERVICE_URL,
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        key = self.ec if alg == "ES384" else self.rsa
        kid = "ec-1" if alg == "ES384" else "rsa-1"
        return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})


@pytest.fixture(scope="module")
def keys() -> Keys:
    """Fresh keys for this module's tests."""
    return Keys()


@pytest.fixture
def jwks_file(tmp_path: Path, keys: Keys) -> Path:
    """The JWKS written to a file."""
    path = tmp_path / "ehr-jwks.json"
    path.write_text(json.dumps(keys.jwks()))
    return path


@pytest.fixture
def secured(cds: Any, cds_app: Any, jwks_file: Path) -> Any:
    """The CDS client with authentication on, trusting the test EHR's issuer and keys."""
    cds_app.state.cds_config = CdsConfig(
        auth=True, jwks=(str(jwks_file),), issuers=(ISSUER,), audience=AUDIENCE
    )
    return cds


def call(client: Any, token: str | None, path: str = "/cds-services/precert-order-sign") -> Any:
    """POST the real order-sign request with ``token`` as the bearer."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.post(path, content=BODY, headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], payload: dict[str, Any], secret: bytes | None) -> str:
    """A token PyJWT would refuse to make: HMAC-signed with ``secret`` or unsigned."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    if secret is None:
        return signing_input + "."
    digest = hmac.new(secret, signing_input.encode(), hashlib.sha384).digest()
    return f"{signing_input}.{_b64(digest)}"


def claims() -> dict[str, Any]:
    """Valid claims for a forged token."""
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": SERVICE_URL,
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
    }


def test_auth_is_off_by_default(cds: Any) -> None:
    """Local use: no token needed unless PRECERT_CDS_AUTH=on."""
    assert call(cds, None).status_code == 200


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_valid_token_is_accepted(secured: Any, keys: Keys, alg: str) -> None:
    """A token signed with the client's registered key, for this service, is trusted."""
    response = call(secured, keys.token(alg))
    assert response.status_code == 200
    assert len(response.json()["systemActions"]) == 1


def test_missing_token(secured: Any) -> None:
    """No Authorization header: 401 with a Bearer challenge."""
    response = call(secured, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "bearer JWT is required" in response.json()["detail"]


def test_expired_token(secured: Any, keys: Keys) -> None:
    """exp in the past (beyond the 30 s leeway)."""
    past = int(time.time()) - 600
    response = call(secured, keys.token(iat=past - 300, exp=past))
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_wrong_audience(secured: Any, keys: Keys) -> None:
    """A token minted for another service is not valid here."""
    response = call(secured, keys.token(aud="https://other.example.org/cds-services/x"))
    assert response.status_code == 401 and "aud" in response.json()["detail"]


def test_discovery_url_as_audience_is_accepted(secured: Any, keys: Keys) -> None:
    """Some clients put the discovery URL in aud: accepted, as is the service URL."""
    assert call(secured, keys.token(aud=AUDIENCE)).status_code == 200


def test_replayed_token(secured: Any, keys: Keys) -> None:
    """The same jti twice: the second call is refused."""
    token = keys.token()
    assert call(secured, token).status_code == 200
    response = call(secured, token)
    assert response.status_code == 401 and "already used" in response.json()["detail"]


def test_hmac_token_signed_with_the_public_key(secured: Any, keys: Keys) -> None:
    """The algorithm-confusion forgery: HS384 keyed with the published public key."""
    public_pem = keys.rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = forged({"alg": "HS384", "typ": "JWT", "kid": "rsa-1"}, claims(), public_pem)
    response = call(secured, token)
    assert response.status_code == 401
    assert "'HS384' is not accepted" in response.json()["detail"]


def test_unsigned_token(secured: Any) -> None:
    """alg none: refused."""
    token = forged({"alg": "none", "typ": "JWT", "kid": "ec-1"}, claims(), None)
    response = call(secured, token)
    assert response.status_code == 401 and "'none' is not accepted" in response.json()["detail"]


def test_token_signed_by_an_unknown_key(secured: Any) -> None:
    """A key the client never registered, even under a registered kid."""
    stranger = ec.generate_private_key(ec.SECP384R1())
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": SERVICE_URL, "iat": now, "exp": now + 300, "jti": "j1"}
    token = jwt.encode(payload, stranger, algorithm="ES384", headers={"kid": "ec-1"})
    response = call(secured, token)
    assert response.status_code == 401 and "not valid" in response.json()["detail"]
    token = jwt.encode(payload, stranger, algorithm="ES384", headers={"kid": "who"})
    assert "no trusted key has kid 'who'" in call(secured, token).json()["detail"]


def test_untrusted_issuer_and_missing_claims(secured: Any, keys: Keys) -> None:
    """iss outside the allow-list; a token without jti."""
    response = call(secured, keys.token(iss="https://rogue.example.org"))
    assert response.status_code == 401 and "not trusted" in response.json()["detail"]
    response = call(secured, keys.token(jti=None))
    assert response.status_code == 401 and "jti" in response.json()["detail"]


def test_key_type_must_match_the_algorithm(secured: Any, keys: Keys) -> None:
    """An RS384 header naming the EC key."""
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": SERVICE_URL, "iat": now, "exp": now + 300, "jti": "k"}
    token = jwt.encode(payload, keys.rsa, algorithm="RS384", headers={"kid": "ec-1"})
    response = call(secured, token)
    assert response.status_code == 401 and "not a RSA key" in response.json()["detail"]


def test_feedback_is_authenticated_too(secured: Any, keys: Keys) -> None:
    """Feedback needs the same token; discovery stays open."""
    path = "/cds-services/precert-order-sign/feedback"
    feedback = {"feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "t"}]}
    assert secured.post(path, json=feedback).status_code == 401
    token = keys.token(aud=AUDIENCE + "/precert-order-sign")
    headers = {"Authorization": f"Bearer {token}"}
    assert secured.post(path, json=feedback, headers=headers).status_code == 200
    assert secured.get("/cds-services").status_code == 200


@pytest.fixture
def jwks_url(keys: Keys) -> Iterator[str]:
    """The JWKS served over loopback HTTP, as an EHR publishes it."""
    document = json.dumps(keys.jwks()).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


def test_keys_from_a_jwks_url(cds: Any, cds_app: Any, keys: Keys, jwks_url: str) -> None:
    """PRECERT_CDS_JWKS may name a URL."""
    cds_app.state.cds_config = CdsConfig(
        auth=True, jwks=(jwks_url,), audience="http://precert.test/cds-services"
    )
    token = keys.token("RS384", aud="http://precert.test/cds-services/precert-order-sign")
    assert call(cds, token).status_code == 200
    assert call(cds, keys.token("RS384")).status_code == 401  # aud is not this server


def test_configuration_from_the_environment(jwks_file: Path) -> None:
    """The documented variables, and a refusal of settings that cannot work."""
    from precert.web.cds.config import ConfigError

    config = CdsConfig.from_env(
        {
            "PRECERT_CDS_AUTH": "on",
            "PRECERT_CDS_JWKS": f"{jwks_file}, https://ehr.example.org/jwks.json",
            "PRECERT_CDS_ISSUERS": ISSUER,
            "PRECERT_CDS_AUDIENCE": AUDIENCE + "/",
            "PRECERT_CORS_ORIGINS": "https://sandbox.cds-hooks.org",
        }
    )
    assert config.auth and config.jwks == (str(jwks_file), "https://ehr.example.org/jwks.json")
    assert config.audience == AUDIENCE and config.issuers == (ISSUER,)
    assert config.cors_origins == ("https://sandbox.cds-hooks.org",)
    assert CdsConfig.from_env({}) == CdsConfig()
    with pytest.raises(ConfigError, match="PRECERT_CDS_JWKS"):
        CdsConfig.from_env({"PRECERT_CDS_AUTH": "on"})
    with pytest.raises(ConfigError, match="on or off"):
        CdsConfig.from_env({"PRECERT_CDS_AUTH": "maybe"})
    with pytest.raises(ConfigError, match="PRECERT_CDS_AUDIENCE"):
        CdsConfig.from_env({"PRECERT_CDS_AUTH": "on", "PRECERT_CDS_JWKS": str(jwks_file)})


def test_the_audience_never_comes_from_the_host_header(
    cds: Any, cds_app: Any, keys: Keys, jwks_file: Path
) -> None:
    """A token issued for another service is refused even when its Host is sent."""
    cds_app.state.cds_config = CdsConfig(auth=True, jwks=(str(jwks_file),), audience=AUDIENCE)
    other = keys.token(aud="https://other-cds.example.org/cds-services/precert-order-sign")
    response = cds.post(
        "/cds-services/precert-order-sign",
        content=BODY,
        headers={"Authorization": f"Bearer {other}", "Host": "other-cds.example.org"},
    )
    assert response.status_code == 401


def test_tokens_living_over_five_minutes_are_refused(secured: Any, keys: Keys) -> None:
    now = int(time.time())
    response = call(secured, keys.token(iat=now, exp=now + 301))
    assert response.status_code == 401 and "at most 300 s" in response.json()["detail"]
    assert call(secured, keys.token(iat=now, exp=now + 300)).status_code == 200


@pytest.mark.parametrize("exp", ["9999999999", True, None])
def test_exp_must_be_a_number(secured: Any, keys: Keys, exp: object) -> None:
    now = int(time.time())
    response = call(secured, keys.token(iat=now, exp=exp if exp is not None else [now + 60]))
    assert response.status_code == 401
    assert "exp" in response.json()["detail"]


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_rsa_keys_under_2048_bits_are_refused(
    secured: Any, cds_app: Any, keys: Keys, tmp_path: Path
) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    jwk = json.loads(RSAAlgorithm.to_jwk(weak.public_key()))
    jwk.update(kid="rsa-weak", alg="RS384", use="sig")
    path = tmp_path / "weak-jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    cds_app.state.cds_config = CdsConfig(
        auth=True, jwks=(str(path),), issuers=(ISSUER,), audience=AUDIENCE
    )
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": SERVICE_URL, "iat": now, "exp": now + 60,
               "jti": str(uuid.uuid4())}  # fmt: skip
    token = jwt.encode(payload, weak, algorithm="RS384", headers={"kid": "rsa-weak"})
    response = call(secured, token)
    assert response.status_code == 401 and "1024 bits" in response.json()["detail"]


def test_replays_are_refused_across_apps_over_one_home(
    secured: Any, cds_app: Any, keys: Keys
) -> None:
    """Workers are separate processes, each with its own app: the ledger is a shared file."""
    from precert.web.app import create_app

    from .conftest import Client

    token = keys.token()
    assert call(secured, token).status_code == 200
    other_app = create_app(cds_app.state.service, modules=["precert.web.cds"])
    other_app.state.cds_config = cds_app.state.cds_config
    other = Client(other_app)
    try:
        response = call(other, token)
        assert response.status_code == 401 and "already used" in response.json()["detail"]
        assert call(other, keys.token()).status_code == 200
    finally:
        other.close()
