"""End-to-end fixtures: the running local stack (moto + cargo lambda watch),
started by infra/test.sh, which exports OAUTH_BASE and OAUTHCTL."""

import html.parser
import json
import os
import secrets
import subprocess
import urllib.parse

import pytest
import requests

BASE = os.environ.get("OAUTH_BASE", "http://127.0.0.1:9000")
OAUTHCTL = os.environ.get("OAUTHCTL", "target/debug/oauthctl")


def oauthctl(*args):
    out = subprocess.run([OAUTHCTL, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def unique(prefix):
    return f"{prefix}{secrets.randbelow(10**9)}"


class Form(html.parser.HTMLParser):
    """The hidden inputs and buttons of a page's form."""

    def __init__(self, text):
        super().__init__()
        self.fields, self.buttons = {}, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        if tag == "button" and a.get("name"):
            self.buttons.append((a["name"], a.get("value")))


def sign_in_and_allow(session, method, url, email, password, **kw):
    """Follows the authorize pages like a user: sign in, then Allow.
    Returns the query of the redirect to the client."""
    path = urllib.parse.urlsplit(url).path
    page = session.request(method, url, allow_redirects=False, timeout=60, **kw)
    assert page.status_code == 200, page.text
    form = Form(page.text)
    assert form.fields.get("action") == "login", page.text
    page = session.post(BASE + path, data={**form.fields, "email": email, "password": password},
                        allow_redirects=False, timeout=60)
    assert page.status_code == 303, page.text
    page = session.get(urllib.parse.urljoin(BASE, page.headers["Location"]), allow_redirects=False, timeout=60)
    if page.status_code == 200:
        form = Form(page.text)
        assert ("action", "allow") in form.buttons, page.text
        page = session.post(BASE + path, data={**form.fields, "action": "allow"}, allow_redirects=False, timeout=60)
    assert page.status_code == 302, page.text
    loc = page.headers["Location"]
    return loc, dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))


@pytest.fixture(scope="session")
def stack():
    """The table, and every function compiled and answering (the first request
    to each makes cargo lambda watch build it)."""
    oauthctl("table", "create")
    for method, path in [("GET", "/oauth/authorize"), ("POST", "/oauth/token"), ("GET", "/oauth/userinfo")]:
        requests.request(method, BASE + path, timeout=600)
