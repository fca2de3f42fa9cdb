"""OpenID Connect relying parties in Python, through their own APIs: Authlib's
OAuth2Session with its OpenID Connect ID-token claims validation (signature
checked against the JWKS by joserfc, nonce, at_hash, aud, iss), and PyJWT's
PyJWKClient validating JWT access tokens as API Gateway's JWT authorizer
would: keys from the issuer's discovery document, RS256, kid, iss, aud, exp,
iat, scope, typ at+jwt."""

import jwt as pyjwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt as josejwt
from joserfc.jwk import KeySet

from conftest import BASE, oauthctl, sign_in_and_allow, unique

pytestmark = pytest.mark.usefixtures("stack")
API = "https://api.example.com"


def discovery():
    meta = requests.get(f"{BASE}/.well-known/openid-configuration", timeout=30).json()
    assert meta["issuer"] == BASE
    return meta


@pytest.fixture
def user():
    email = f"{unique('oidc')}@example.com"
    oauthctl("user", "create", "--email", email, "--password", "oidc-pw",
             "--claims", '{"name":"Katherine Johnson","email_verified":true}')
    return email, "oidc-pw"


def test_authlib_validates_the_id_token_against_the_jwks(user):
    meta = discovery()
    client_id, redirect = unique("al-oidc-"), "http://127.0.0.1:1/callback"
    secret = oauthctl("client", "create", "--name", "Authlib OIDC", "--id", client_id,
                      "--redirect-uri", redirect)["client_secret"]
    sess = OAuth2Session(client_id, secret, scope="openid profile email", redirect_uri=redirect,
                         code_challenge_method="S256")
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = sess.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    location, query = sign_in_and_allow(requests.Session(), "GET", url, *user)
    assert query["iss"] == BASE, "RFC 9207"
    token = sess.fetch_token(meta["token_endpoint"], authorization_response=location,
                             code_verifier=verifier, state=state)
    keys = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=30).json())
    decoded = josejwt.decode(token["id_token"], keys, algorithms=meta["id_token_signing_alg_values_supported"])
    claims = CodeIDToken(decoded.claims, decoded.header,
                         options={"iss": {"essential": True, "value": BASE},
                                  "aud": {"essential": True, "value": client_id}},
                         params={"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]})
    claims.validate(leeway=60)
    assert claims["at_hash"] and claims["auth_time"]
    info = sess.get(meta["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"] and info["email"] == user[0] and info["name"] == "Katherine Johnson"


def authorizer_check(token, jwks_client, audience, scope=None):
    """API Gateway's JWT authorizer rules, done by PyJWT."""
    key = jwks_client.get_signing_key_from_jwt(token)
    decoded = pyjwt.decode_complete(token, key.key, algorithms=["RS256"], audience=audience, issuer=BASE,
                                    options={"require": ["exp", "iat", "iss", "aud", "sub", "client_id", "jti"]})
    assert decoded["header"]["typ"] == "at+jwt"
    if scope:
        assert scope in decoded["payload"]["scope"].split()
    return decoded["payload"]


def test_jwt_access_tokens_from_code_refresh_and_client_credentials_pass_an_authorizer(user):
    meta = discovery()
    jwks_client = pyjwt.PyJWKClient(meta["jwks_uri"])
    client_id, redirect = unique("jwt-"), "http://127.0.0.1:1/callback"
    secret = oauthctl("client", "create", "--name", "JWT app", "--id", client_id, "--redirect-uri", redirect,
                      "--scope", "read", "--access-token-format", "jwt", "--resource", API,
                      "--grant", "authorization_code", "--grant", "refresh_token",
                      "--grant", "client_credentials")["client_secret"]
    sess = OAuth2Session(client_id, secret, scope="read", redirect_uri=redirect, code_challenge_method="S256")
    verifier = generate_token(48)
    url, state = sess.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, resource=API)
    location, _ = sign_in_and_allow(requests.Session(), "GET", url, *user)
    code_token = sess.fetch_token(meta["token_endpoint"], authorization_response=location,
                                  code_verifier=verifier, state=state)
    claims = authorizer_check(code_token["access_token"], jwks_client, API, "read")
    assert claims["client_id"] == client_id and claims["aud"] == API
    refreshed = sess.refresh_token(meta["token_endpoint"])
    authorizer_check(refreshed["access_token"], jwks_client, API, "read")
    cc = OAuth2Session(client_id, secret, scope="read").fetch_token(
        meta["token_endpoint"], grant_type="client_credentials", resource=API)
    assert authorizer_check(cc["access_token"], jwks_client, API)["sub"] == client_id
    with pytest.raises(pyjwt.InvalidAudienceError):
        authorizer_check(cc["access_token"], jwks_client, "https://other.example")
    # Our own endpoints look the jti up: revoked is refused at once.
    r = requests.post(meta["revocation_endpoint"], data={"token": cc["access_token"]},
                      auth=(client_id, secret), timeout=30)
    assert r.status_code == 200
    r = requests.post(meta["introspection_endpoint"], data={"token": cc["access_token"]},
                      auth=(client_id, secret), timeout=30)
    assert r.json() == {"active": False}
