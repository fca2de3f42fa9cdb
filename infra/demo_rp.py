"""The demo relying party of `make dev`: a page that shows what an application
gets from the local provider. It sends the browser to the authorization
endpoint (OpenID Connect, PKCE, nonce), and at the callback redeems the code,
checks the response's `iss` (RFC 9207) and the ID token's signature against
the JWKS (joserfc, Authlib's JOSE library), calls userinfo, and shows all of
it. A flow started at `/` is bound to the browser by a cookie; the printed URL's
fixed state is not (it is a demo link to paste).

usage: python infra/demo_rp.py ISSUER CLIENT_ID CLIENT_SECRET PORT
"""

import base64
import hashlib
import html
import json
import secrets
import sys
import urllib.parse
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

ISSUER, CLIENT_ID, SECRET, PORT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
REDIRECT = f"http://127.0.0.1:{PORT}/callback"
# state -> (PKCE verifier, nonce). The printed URL's state stays valid.
PRINTED = ("demo-state", "demo-nonce")
PENDING = {}


def page(body):
    return f"""<!doctype html><html lang="en"><meta charset="utf-8"><title>Demo application</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}}
pre{{background:#f3f4f6;padding:1rem;border-radius:8px;overflow:auto}}</style>
<h1>Demo application</h1>{body}</html>"""


def authorize_url():
    """A fresh authorization URL, and its state."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    PENDING[state] = (verifier, nonce)
    meta = requests.get(f"{ISSUER}/.well-known/openid-configuration", timeout=10).json()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT,
        "scope": "openid profile email read", "state": state, "nonce": nonce,
        "code_challenge": challenge, "code_challenge_method": "S256"})
    return f"{meta['authorization_endpoint']}?{query}", state


class Handler(BaseHTTPRequestHandler):
    def send(self, status, body, location=None, cookie=None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        if cookie:
            self.send_header("Set-Cookie", f"demo_state={cookie}; HttpOnly; SameSite=Lax; Path=/callback")
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode())

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/":
            location, state = authorize_url()
            return self.send(302, "", location, cookie=state)
        if url.path != "/callback":
            return self.send(404, page("<p>Nothing here.</p>"))
        # RFC 9207: the response names its issuer; a mix-up attacker's does not.
        if q.get("iss") != ISSUER:
            return self.send(400, page("<p>The response's <code>iss</code> is not our provider's.</p>"))
        if "error" in q:
            return self.send(400, page(f"<p>The provider said: <b>{html.escape(q['error'])}</b></p>"))
        cookie = SimpleCookie(self.headers.get("Cookie", "")).get("demo_state")
        if q.get("state") == PRINTED[0]:
            verifier, nonce = "", PRINTED[1]
        elif q.get("state") and cookie is not None and cookie.value == q["state"]:
            verifier, nonce = PENDING.pop(q["state"], (None, None))
        else:
            verifier = nonce = None
        if verifier is None:
            return self.send(400, page("<p>Unknown state, or not this browser's: start again at <a href='/'>/</a>.</p>"))
        try:
            self.finish_sign_in(q["code"], verifier, nonce)
        except Exception as e:  # shown on the page, not a dropped connection
            self.send(502, page(f"<p>Sign-in failed: {html.escape(type(e).__name__)}: {html.escape(str(e))}</p>"
                                "<p><a href='/'>Start again</a></p>"))

    def finish_sign_in(self, code, verifier, nonce):
        meta = requests.get(f"{ISSUER}/.well-known/openid-configuration", timeout=10).json()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        if verifier:
            form["code_verifier"] = verifier
        tokens = requests.post(meta["token_endpoint"], auth=(CLIENT_ID, SECRET), timeout=10, data=form).json()
        if "id_token" not in tokens:
            return self.send(400, page(f"<pre>{html.escape(json.dumps(tokens, indent=2))}</pre>"))
        keys = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
        claims = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
        if not (claims["nonce"] == nonce and claims["aud"] == CLIENT_ID and claims["iss"] == ISSUER):
            raise ValueError("the ID token's nonce, aud or iss is not this sign-in's")
        info = requests.get(meta["userinfo_endpoint"], timeout=10,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
        shown = {k: v for k, v in tokens.items() if k not in ("access_token", "refresh_token", "id_token")}
        self.send(200, page(
            "<p>Signed in. The ID token's signature was checked against the provider's JWKS.</p>"
            f"<h2>ID token claims</h2><pre>{html.escape(json.dumps(claims, indent=2))}</pre>"
            f"<h2>Userinfo</h2><pre>{html.escape(json.dumps(info, indent=2))}</pre>"
            f"<h2>Token response (tokens left out)</h2><pre>{html.escape(json.dumps(shown, indent=2))}</pre>"
            "<p><a href='/'>Sign in again</a></p>"))

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
