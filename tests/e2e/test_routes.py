"""Every route of the template answers through the local router."""

import pytest
import requests

from conftest import BASE, oauthctl, unique

pytestmark = pytest.mark.usefixtures("stack")


def test_metadata_is_served_and_built_from_the_issuer():
    r = requests.get(f"{BASE}/.well-known/oauth-authorization-server", timeout=30)
    assert r.status_code == 200
    m = r.json()
    assert m["issuer"] == BASE
    assert m["token_endpoint"] == f"{BASE}/oauth/token"
    assert m["code_challenge_methods_supported"] == ["S256"]


def test_revoke_and_introspect_are_routed_to_the_token_function():
    client_id = unique("ci-")
    secret = oauthctl("client", "create", "--name", "svc", "--id", client_id,
                      "--grant", "client_credentials", "--scope", "read")["client_secret"]
    auth = (client_id, secret)
    tok = requests.post(f"{BASE}/oauth/token", data={"grant_type": "client_credentials"}, auth=auth, timeout=30)
    assert tok.status_code == 200, tok.text
    at = tok.json()["access_token"]
    r = requests.post(f"{BASE}/oauth/introspect", data={"token": at}, auth=auth, timeout=30)
    assert r.status_code == 200 and r.json()["active"] is True and r.json()["client_id"] == client_id
    r = requests.post(f"{BASE}/oauth/revoke", data={"token": at}, auth=auth, timeout=30)
    assert r.status_code == 200
    r = requests.post(f"{BASE}/oauth/introspect", data={"token": at}, auth=auth, timeout=30)
    assert r.json() == {"active": False}


def test_wrong_basic_credentials_get_401_with_a_basic_challenge():
    r = requests.post(f"{BASE}/oauth/token", data={"grant_type": "client_credentials"},
                      auth=("nobody", "nothing"), timeout=30)
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"
    assert r.headers["WWW-Authenticate"].startswith("Basic")


def test_openapi_document_is_served_byte_for_byte_through_the_router():
    """Regression: without `charset=utf-8` lambda_http mangled the document's
    non-ASCII characters and the body no longer matched its Content-Length."""
    import pathlib
    r = requests.get(f"{BASE}/openapi.yaml", timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/yaml; charset=utf-8"
    assert r.content == (pathlib.Path(__file__).resolve().parents[2] / "openapi.yaml").read_bytes()
