"""Real OAuth client libraries, used through their own documented APIs, against
the local stack: Python's requests-oauthlib and Ruby's oauth2 gem."""

import json
import os
import pathlib
import subprocess

import pytest
import requests
from requests_oauthlib import OAuth2Session

from conftest import BASE, oauthctl, sign_in_and_allow, unique

pytestmark = pytest.mark.usefixtures("stack")
HERE = pathlib.Path(__file__).parent


@pytest.fixture
def user():
    email = f"{unique('lib')}@example.com"
    oauthctl("user", "create", "--email", email, "--password", "library-pw", "--claims", '{"role":"AGENT"}')
    return email, "library-pw"


def test_requests_oauthlib_authorization_code_with_pkce_then_refresh(user, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the local stack is plain http
    client_id, redirect = unique("py-"), "http://127.0.0.1:1/callback"
    secret = oauthctl("client", "create", "--name", "Python app", "--id", client_id,
                      "--redirect-uri", redirect, "--scope", "profile read")["client_secret"]

    oauth = OAuth2Session(client_id, redirect_uri=redirect, scope=["profile", "read"], pkce="S256")
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
    assert oauth.get(f"{BASE}/oauth/userinfo").json()["role"] == "AGENT"


def test_ruby_oauth2_gem_code_exchange_refresh_and_password_grant(user):
    client_id, redirect = unique("rb-"), "http://127.0.0.1:1/callback"
    secret = oauthctl("client", "create", "--name", "Ruby app", "--id", client_id, "--redirect-uri", redirect,
                      "--scope", "read", "--grant", "authorization_code", "--grant", "refresh_token",
                      "--grant", "password")["client_secret"]
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
