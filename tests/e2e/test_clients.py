"""Real OAuth client libraries, used through their own documented APIs, against
the local stack: Python's requests-oauthlib and Authlib, and Ruby's oauth2 gem."""

import json
import os
import pathlib
import subprocess

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from requests_oauthlib import OAuth2Session

from conftest import BASE, oauthctl, sign_in_and_allow, unique

pytestmark = pytest.mark.usefixtures("stack")
HERE = pathlib.Path(__file__).parent


@pytest.fixture
def user():
    email = f"{unique('lib')}@example.com"
    oauthctl("user", "create", "--email", email, "--password", "library-pw",
             "--claims", '{"role":"AGENT","name":"Library User"}')
    return email, "library-pw"


def test_requests_oauthlib_authorization_code_with_pkce_then_refresh(user, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the local stack is plain http
    client_id, redirect = unique("py-"), "http://127.0.0.1:1/callback"
    secret = oauthctl("client", "create", "--name", "Python app", "--id", client_id,
                      "--redirect-uri", redirect, "--scope", "email profile read")["client_secret"]

    oauth = OAuth2Session(client_id, redirect_uri=redirect, scope=["email", "profile", "read"], pkce="S256")
    url, state = oauth.authorization_url(f"{BASE}/oauth/authorize")
    assert "code_challenge_method=S256" in url
    location, query = sign_in_and_allow(requests.Session(), "GET", url, *user)
    assert query["state"] == state

    token = oauth.fetch_token(f"{BASE}/oauth/token", authorization_response=location, client_secret=secret)
    assert token["token_type"] == "Bearer" and token["refresh_token"]
    assert oauth.get(f"{BASE}/oauth/userinfo").json()["email"] == user[0]

    refreshed = oauth.refresh_token(f"{BASE}/oauth/token", client_id=client_id, client_secret=secret)
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"]
    # Only what the scopes release: the profile's name, not the custom role.
    info = oauth.get(f"{BASE}/oauth/userinfo").json()
    assert info["name"] == "Library User" and "role" not in info


def test_ruby_oauth2_gem_code_exchange_refresh_and_password_grant(user):
    client_id, redirect = unique("rb-"), "http://127.0.0.1:1/callback"
    # The legacy APIs' Ruby clients (Cobot's) read the email at userinfo and
    # `username` in the token response: a client with the legacy claims.
    secret = oauthctl("client", "create", "--name", "Ruby app", "--id", client_id, "--redirect-uri", redirect,
                      "--scope", "read", "--grant", "authorization_code", "--grant", "refresh_token",
                      "--grant", "password", "--legacy-claims")["client_secret"]
    ruby = lambda *args: subprocess.run(["ruby", str(HERE / "ruby_client.rb"), *args], check=True,
                                        capture_output=True, text=True, timeout=60).stdout
    url = ruby("url", BASE, client_id, secret, redirect).strip()
    _, query = sign_in_and_allow(requests.Session(), "GET", url, *user)
    assert query["state"] == "ruby-state"
    out = json.loads(ruby("exchange", BASE, client_id, secret, redirect, query["code"], *user))
    assert out["code_token"]["access_token"] and out["code_token"]["refresh_token"]
    assert out["code_token"]["expires_in"] == 3600
    assert out["refreshed"]["access_token"] != out["code_token"]["access_token"]
    assert out["userinfo"]["email"] == user[0]
    assert out["password_token"]["access_token"]
    assert out["password_token"]["params"]["username"] == user[0]


def test_authlib_code_with_pkce_introspection_revocation_and_client_credentials(user):
    client_id, redirect = unique("al-"), "http://127.0.0.1:1/callback"
    secret = oauthctl("client", "create", "--name", "Authlib app", "--id", client_id,
                      "--redirect-uri", redirect, "--scope", "email profile read")["client_secret"]
    # Authlib's defaults: client_secret_basic at the token, introspection and
    # revocation endpoints.
    client = AuthlibSession(client_id, secret, scope="email profile read", redirect_uri=redirect,
                            code_challenge_method="S256")
    verifier = generate_token(48)
    url, state = client.create_authorization_url(f"{BASE}/oauth/authorize", code_verifier=verifier)
    location, query = sign_in_and_allow(requests.Session(), "GET", url, *user)
    assert query["state"] == state
    token = client.fetch_token(f"{BASE}/oauth/token", authorization_response=location,
                               code_verifier=verifier, state=state)
    assert token["token_type"] == "Bearer" and token["refresh_token"]
    assert client.get(f"{BASE}/oauth/userinfo").json()["email"] == user[0]

    info = client.introspect_token(f"{BASE}/oauth/introspect", token=token["access_token"]).json()
    assert info["active"] is True and info["client_id"] == client_id and info["scope"] == "email profile read"
    r = client.revoke_token(f"{BASE}/oauth/revoke", token=token["refresh_token"], token_type_hint="refresh_token")
    assert r.status_code == 200
    # Revoking the refresh token revokes its grant: the access token too.
    info = client.introspect_token(f"{BASE}/oauth/introspect", token=token["access_token"]).json()
    assert info == {"active": False}

    cc_id = unique("al-cc-")
    cc_secret = oauthctl("client", "create", "--name", "Authlib service", "--id", cc_id,
                         "--grant", "client_credentials", "--scope", "read")["client_secret"]
    service = AuthlibSession(cc_id, cc_secret, scope="read", token_endpoint_auth_method="client_secret_post")
    cc = service.fetch_token(f"{BASE}/oauth/token", grant_type="client_credentials")
    assert cc["token_type"] == "Bearer" and cc["scope"] == "read" and "refresh_token" not in cc
