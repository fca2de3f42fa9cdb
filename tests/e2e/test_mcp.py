"""The official MCP Python SDK's own OAuth (mcp 2.3, its OAuthClientProvider
on an httpx2 client) against the example MCP server of
infra/examples/mcp-server, started by infra/test.sh at MCP_URL with tokens of
the local stack: the SDK discovers the authorization server (RFC 9728, RFC
8414), registers itself (RFC 7591) or names its Client ID Metadata Document,
sends a person through sign-in and consent (here: requests, like a browser
without JavaScript), redeems the code with PKCE and `resource` (RFC 8707) and
calls tools. The person then revokes the app on the account page."""

import base64
import html
import http.server
import json
import os
import re
import ssl
import threading
import time
import urllib.parse

import anyio
import httpx2
import pytest
import requests
from conftest import BASE, Form, oauthctl, sign_in_and_allow, unique
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

MCP_URL = os.environ.get("MCP_URL")
TLS = os.environ.get("MCP_TLS_DIR")
CALLBACK = "http://127.0.0.1:1/callback"  # never reached: the test reads the redirect's Location

pytestmark = pytest.mark.skipif(not MCP_URL, reason="infra/test.sh starts the example MCP server")


class Memory(TokenStorage):
    def __init__(self):
        self.tokens, self.client = None, None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info):
        self.client = client_info


class Person:
    """The person at the browser: signs in and allows the app when the SDK
    opens the authorization URL; the code goes back to the SDK."""

    def __init__(self):
        self.email, self.password = f"{unique('mcp-py-')}@example.com", "mcp-py-password-1"
        oauthctl("user", "create", "--email", self.email, "--password", self.password)
        self.browser = requests.Session()
        self.opened, self.answer = [], None

    async def open(self, url):
        self.opened.append(url)
        _, q = await anyio.to_thread.run_sync(
            lambda: sign_in_and_allow(self.browser, "GET", url, self.email, self.password))
        self.answer = q

    async def come_back(self):
        q = self.answer
        return AuthorizationCodeResult(code=q["code"], state=q.get("state"), iss=q.get("iss"))

    def revoke(self, client_id):
        page = self.browser.get(BASE + "/account", timeout=60)
        assert page.status_code == 200, page.text
        for chunk in re.findall(r"<form[^>]*>.*?</form>", page.text, re.S):
            form = Form(chunk)
            if form.fields.get("client_id") == client_id:
                done = self.browser.post(BASE + "/account", data={**form.fields, "action": "revoke"},
                                         allow_redirects=True, timeout=60)
                assert done.status_code == 200 and "revoked" in done.text, done.text
                assert html.escape(client_id) not in done.text.split("Apps you allowed")[-1].split("</table>")[0]
                return
        raise AssertionError(f"{client_id} is not on the account page")


def metadata(name):
    return OAuthClientMetadata(client_name=name, redirect_uris=[CALLBACK],
                               grant_types=["authorization_code", "refresh_token"],
                               response_types=["code"], token_endpoint_auth_method="none")


def claims(jwt):
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


async def use_tools(provider):
    """initialize, tools/list, tools/call through the SDK's transport."""
    async with httpx2.AsyncClient(auth=provider, timeout=60) as http, \
            streamable_http_client(MCP_URL, http_client=http) as (read, write), \
            ClientSession(read, write) as session:
        await session.initialize()
        tools = await session.list_tools()
        assert sorted(t.name for t in tools.tools) == ["add", "whoami"]
        total = await session.call_tool("add", {"a": 20, "b": 22})
        assert total.content[0].text == "42"
        me = await session.call_tool("whoami", {})
        return json.loads(me.content[0].text)


def connect_and_revoke(name, client_metadata_url=None):
    person, storage = Person(), Memory()
    provider = OAuthClientProvider(server_url=MCP_URL, client_metadata=metadata(name), storage=storage,
                                   redirect_handler=person.open, callback_handler=person.come_back,
                                   client_metadata_url=client_metadata_url)
    me = anyio.run(use_tools, provider)
    assert len(person.opened) == 1, "one trip to the authorization endpoint"
    asked = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(person.opened[0]).query))
    assert asked["resource"] == MCP_URL and asked["code_challenge_method"] == "S256"
    assert person.answer["iss"] == BASE, "RFC 9207"
    client_id = storage.client.client_id
    at = claims(storage.tokens.access_token)
    assert at["iss"] == BASE and at["aud"] in (MCP_URL, [MCP_URL]), at
    assert at["client_id"] == client_id == me["client_id"] and me["sub"] == at["sub"]
    assert {"tools:read", "tools:call"} <= set(me["scope"])

    person.revoke(client_id)
    refresh = storage.tokens.refresh_token
    if refresh:
        r = requests.post(BASE + "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh,
                                                       "client_id": client_id}, timeout=60)
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    time.sleep(max(at["exp"] - time.time() + 1.5, 0))
    r = requests.post(MCP_URL, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=60,
                      headers={"authorization": f"Bearer {storage.tokens.access_token}",
                               "accept": "application/json, text/event-stream"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"], r.headers
    return client_id


def test_the_python_sdk_registers_itself_calls_tools_and_is_revoked():
    client_id = connect_and_revoke(unique("Python MCP agent "))
    assert not client_id.startswith("https://"), "an RFC 7591 registration"


class Document(http.server.BaseHTTPRequestHandler):
    body, hits = b"", 0

    def do_GET(self):
        type(self).hits += 1
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("cache-control", "max-age=600")
        self.send_header("content-length", str(len(type(self).body)))
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args):
        pass


def test_the_python_sdk_names_its_client_id_metadata_document():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Document)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(f"{TLS}/cert.pem", f"{TLS}/key.pem")
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    url = f"https://localhost:{server.server_address[1]}/agents/python.json"
    name = unique("Python metadata agent ")
    Document.body = json.dumps({"client_id": url, **metadata(name).model_dump(mode="json", exclude_none=True)}).encode()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert connect_and_revoke(name, client_metadata_url=url) == url
        print(f"# Client ID Metadata Document fetched {Document.hits} time(s) over a whole sign-in")
        assert Document.hits == 1
    finally:
        server.shutdown()
