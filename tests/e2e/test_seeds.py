"""Each legacy API's documented requests (docs/compatibility.md; the seeds: 000
Cloud BOT, 001 Cobot, 002 Comm100, 003 BellaDati), replayed as the document shows
them (method, path, parameter names and placement, client type) against the local
stack, with every response field and header the document names checked."""

import pytest
import requests

from conftest import BASE, Form, oauthctl, sign_in_and_allow, unique

JSON = "application/json"
pytestmark = pytest.mark.usefixtures("stack")


def test_seed_000_cloud_bot_authorization_code_and_refresh():
    # A numeric client id, scopes joined by '+', tokens valid a year.
    client_id = str(unique(""))
    redirect = "https://yourdomain/callback"
    # Its token response carries `username`: a client with the legacy claims.
    secret = oauthctl("client", "create", "--name", "Cloud BOT app", "--id", client_id,
                      "--redirect-uri", redirect, "--scope", "execute refer suspend modify",
                      "--access-ttl", "31536000", "--legacy-claims")["client_secret"]
    email = f"{unique('u')}@example.com"
    oauthctl("user", "create", "--email", email, "--password", "pw-000")

    s = requests.Session()
    url = (f"{BASE}/oauth/authorize?client_id={client_id}&redirect_uri={redirect}"
           f"&response_type=code&scope=execute+refer+suspend+modify&state=st000")
    loc, q = sign_in_and_allow(s, "GET", url, email, "pw-000")
    assert loc.startswith("https://yourdomain/callback?code=")
    assert q["state"] == "st000"

    r = requests.post(f"{BASE}/oauth/token", data={
        "grant_type": "authorization_code", "client_id": client_id, "client_secret": secret,
        "redirect_uri": redirect, "code": q["code"]}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(JSON)
    body = r.json()
    assert body["username"] == email
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 31536000
    assert isinstance(body["access_token"], str) and isinstance(body["refresh_token"], str)

    r = requests.post(f"{BASE}/oauth/token", data={
        "grant_type": "refresh_token", "client_id": client_id, "client_secret": secret,
        "refresh_token": body["refresh_token"]}, timeout=30)
    assert r.status_code == 200, r.text
    again = r.json()
    assert again["username"] == email and again["expires_in"] == 31536000
    assert again["refresh_token"] != body["refresh_token"]


def test_seed_000_deny_redirects_with_access_denied():
    client_id = str(unique(""))
    redirect = "https://yourdomain/callback"
    oauthctl("client", "create", "--name", "Cloud BOT app", "--id", client_id,
             "--redirect-uri", redirect, "--scope", "execute refer")
    email = f"{unique('u')}@example.com"
    oauthctl("user", "create", "--email", email, "--password", "pw")
    s = requests.Session()
    url = f"{BASE}/oauth/authorize?client_id={client_id}&redirect_uri={redirect}&response_type=code&scope=execute+refer&state=d1"
    page = s.get(url, timeout=30)
    form = Form(page.text)
    page = s.post(f"{BASE}/oauth/authorize", data={**form.fields, "email": email, "password": "pw"}, timeout=30)
    assert page.status_code == 200 and "execute" in page.text and "Cloud BOT app" in page.text
    form = Form(page.text)
    r = s.post(f"{BASE}/oauth/authorize", data={**form.fields, "action": "deny"}, allow_redirects=False, timeout=30)
    assert r.status_code == 302
    assert r.headers["Location"].startswith(redirect + "?error=access_denied")
    assert "state=d1" in r.headers["Location"]


def test_seed_001_cobot_code_flow_password_grant_and_api_calls():
    client_id = unique("cobot-")
    redirect = "https://your-app.com/auth/callback"
    # "tokens don't expire": this client's tokens never expire.
    secret = oauthctl("client", "create", "--name", "Cobot app", "--id", client_id,
                      "--redirect-uri", redirect, "--scope", "read write",
                      "--grant", "authorization_code", "--grant", "password",
                      "--access-ttl", "0", "--legacy-claims")["client_secret"]
    email = f"{unique('member')}@example.com"
    oauthctl("user", "create", "--email", email, "--password", "pw-001")

    s = requests.Session()
    url = (f"{BASE}/oauth/authorize?response_type=code&client_id={client_id}"
           f"&redirect_uri={redirect}&state=opt001&scope=read%20write")
    _, q = sign_in_and_allow(s, "GET", url, email, "pw-001")
    assert q["state"] == "opt001"

    # "The request body should look like this": no redirect_uri, and posted as
    # that text, with no Content-Type header at all (read as a form).
    body = f"client_id={client_id}&client_secret={secret}&grant_type=authorization_code&code={q['code']}"
    r = requests.post(f"{BASE}/oauth/access_token", data=body, timeout=30)
    assert "Content-Type" not in r.request.headers
    assert r.status_code == 200, r.text
    tok = r.json()
    assert tok["access_token"] and tok["token_type"].lower() == "bearer"
    assert "expires_in" not in tok, "tokens don't expire"

    # App flow: everything in the query string, no body.
    r = requests.post(f"{BASE}/oauth/access_token", params={
        "scope": "read write", "grant_type": "password", "username": email, "password": "pw-001",
        "client_id": client_id, "client_secret": secret}, timeout=30)
    assert r.status_code == 200, r.text
    pw = r.json()
    assert pw["access_token"] and pw["token_type"].lower() == "bearer"

    # API requests: token as a parameter or as a Bearer header.
    for t in (tok["access_token"], pw["access_token"]):
        r1 = requests.get(f"{BASE}/oauth/userinfo", params={"access_token": t}, timeout=30)
        r2 = requests.get(f"{BASE}/oauth/userinfo", headers={"Authorization": f"Bearer {t}"}, timeout=30)
        assert r1.status_code == r2.status_code == 200
        assert r1.json()["email"] == r2.json()["email"] == email


def test_seed_002_comm100_public_client_password_grant_with_partner_and_userinfo():
    client_id = "1d29e6d7-18cf-407d-a064-e4f8c4baefab-" + unique("")
    # Its userinfo answers the stored claims (agentId, siteId, role): legacy claims.
    oauthctl("client", "create", "--name", "Comm100 app", "--id", client_id, "--public",
             "--grant", "password", "--access-ttl", "43200", "--legacy-claims")
    partner = unique("")
    email = f"client{unique('')}@company.com"
    oauthctl("user", "create", "--tenant", str(partner), "--email", email, "--password", "******x",
             "--claims", '{"agentId":"f9683b7b-e332-4864-b725-ac6cdc207dbd","siteId":10115,"role":"AGENT"}')

    r = requests.post(f"{BASE}/oauth/token?partnerId={partner}",
                      headers={"Content-Type": "application/x-www-form-urlencoded"},
                      data=f"client_id={client_id}&grant_type=password&email={email}&password=******x",
                      timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(JSON)
    tok = r.json()
    assert isinstance(tok["access_token"], str)
    assert tok["token_type"] == "Bearer"
    assert tok["expires_in"] == 43200

    r = requests.get(f"{BASE}/oauth/userinfo", headers={"Authorization": f"Bearer {tok['access_token']}"}, timeout=30)
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["agentId"] == "f9683b7b-e332-4864-b725-ac6cdc207dbd"
    assert info["siteId"] == 10115 and isinstance(info["siteId"], int)
    assert info["role"] == "AGENT"
    assert "sub" in info

    # The same email in the default tenant is another user (or none).
    r = requests.post(f"{BASE}/oauth/token", data={"client_id": client_id, "grant_type": "password",
                                                  "email": email, "password": "******x"}, timeout=30)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def belladati_client_and_user():
    """Seed 003's client (numeric id, its example redirect URI, 1 h tokens) and a user."""
    client_id = str(unique("82081"))
    redirect = "http://service.belladati.com/auth"
    # Its documented redirect URI is plain http off loopback: only by the
    # operator's explicit choice.
    secret = oauthctl("client", "create", "--name", "BellaDati", "--id", client_id,
                      "--redirect-uri", redirect, "--access-ttl", "3600",
                      "--allow-http-redirect")["client_secret"]
    email = f"{unique('b')}@example.com"
    oauthctl("user", "create", "--email", email, "--password", "pw-003")
    return client_id, redirect, secret, email


def test_seed_003_belladati_post_authorize_and_query_string_token_request():
    client_id, redirect, secret, email = belladati_client_and_user()
    s = requests.Session()
    url = (f"{BASE}/auth/oauth/request?client_id={client_id}&redirect_uri={redirect}"
           f"&response_type=CODE&state=122342")
    loc, q = sign_in_and_allow(s, "POST", url, email, "pw-003")
    assert loc.startswith(redirect + "?code=")
    assert q["state"] == "122342"

    r = requests.post(f"{BASE}/oauth/v2/accessToken?grant_type=authorization_code&code={q['code']}"
                      f"&redirect_uri={redirect}&client_id={client_id}&client_secret={secret}", timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(JSON)
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Pragma"] == "no-cache"
    tok = r.json()
    assert tok["access_token"] and tok["token_type"].lower() == "bearer"
    assert tok["expires_in"] == 3600
    assert tok["refresh_token"]


def test_seed_003_example_url_as_written_request_new():
    """Seed 003's example authorization URL, path `/auth/oauth/request:new` and all,
    leads through sign-in and consent to its redirect URI with a code and the state."""
    client_id, redirect, _, email = belladati_client_and_user()
    s = requests.Session()
    url = (f"{BASE}/auth/oauth/request:new?client_id={client_id}"
           f"&redirect_uri=http://service.belladati.com/auth&response_type=CODE&state=122342")
    loc, q = sign_in_and_allow(s, "GET", url, email, "pw-003")
    assert loc.startswith(redirect + "?code=") and q["state"] == "122342"
    # Percent-encoded, the same page; any other action under /auth/oauth/ is not one.
    enc = s.get(url.replace("request:new", "request%3Anew"), allow_redirects=False, timeout=30)
    assert enc.status_code in (200, 302), enc.text
    other = requests.get(f"{BASE}/auth/oauth/other?client_id={client_id}", timeout=30)
    assert other.status_code == 404
    assert other.headers["Content-Type"].startswith("text/html")
