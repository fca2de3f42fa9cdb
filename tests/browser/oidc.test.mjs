// openid-client 6 (panva) as a relying party of the local stack, through its own
// API: discovery from the issuer, ID-token signatures verified against the JWKS
// (enableNonRepudiationChecks), PKCE, nonce, state, RFC 9207 iss, userinfo,
// refresh, RP-initiated logout, and the form-post response mode. A real browser
// (Debian Chromium by playwright-core) signs in, with scripts on and off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { BASE, ctl, rand, launch, signInAs } from './stack.mjs';
import * as client from 'openid-client';

let server, origin, browser, config, clientId;
const email = `rp-${rand()}@example.com`;
const password = 'rp-password-1';
const received = []; // requests the client's callback received

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ method: req.method, url: `${origin}${req.url}`, body });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Relying party</title><h1>Relying party</h1>');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  clientId = `rp-${rand()}`;
  const secret = ctl('client', 'create', '--name', 'Node RP', '--id', clientId,
    '--redirect-uri', `${origin}/cb`, '--post-logout-redirect-uri', `${origin}/bye`,
    '--scope', 'read', '--grant', 'authorization_code', '--grant', 'refresh_token').client_secret;
  ctl('user', 'create', '--email', email, '--password', password,
    '--claims', JSON.stringify({ name: 'Grace Hopper', given_name: 'Grace', email_verified: true }));
  config = await client.discovery(new URL(BASE), clientId, secret, client.ClientSecretBasic(), {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const signIn = (page) => signInAs(page, email, password);

test('code flow with PKCE and nonce: a verified ID token, userinfo, refresh, logout', async () => {
  const meta = config.serverMetadata();
  assert.equal(meta.issuer, BASE);
  assert.equal(meta.authorization_response_iss_parameter_supported, true);
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: `${origin}/cb`, scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    nonce, state,
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url.href);
  await signIn(page);
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${origin}/cb**`);
  const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), {
    pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true,
  });
  const claims = tokens.claims();
  assert.equal(claims.iss, BASE);
  assert.equal(claims.aud, clientId);
  assert.ok(claims.sub && claims.sub !== email);
  assert.ok(tokens.refresh_token, 'offline_access consented: a refresh token');
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.email, email);
  assert.equal(info.email_verified, true);
  assert.equal(info.name, 'Grace Hopper');

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.equal(refreshed.claims().sub, claims.sub);
  assert.equal(refreshed.claims().auth_time, claims.auth_time);
  assert.notEqual(refreshed.access_token, tokens.access_token);

  const logout = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token, post_logout_redirect_uri: `${origin}/bye`, state: 'bye-state',
  });
  await page.goto(logout.href);
  await page.waitForURL(`${origin}/bye**`);
  assert.equal(new URL(page.url()).searchParams.get('state'), 'bye-state');
  // Signed out: a silent request now needs a sign-in.
  const silent = client.buildAuthorizationUrl(config, {
    redirect_uri: `${origin}/cb`, scope: 'openid', prompt: 'none', state: 's2',
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  await page.goto(silent.href);
  await page.waitForURL(`${origin}/cb**`);
  assert.equal(new URL(page.url()).searchParams.get('error'), 'login_required');
  await context.close();
});

test('form_post with scripts off: a button posts the code, and the library redeems it', async () => {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: `${origin}/cb`, scope: 'openid', response_mode: 'form_post', state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(url.href);
  await signIn(page);
  // Consent to openid was given in the first test: straight to the form post,
  // which with scripts off waits for its button.
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${origin}/cb**`);
  const posted = received.findLast((r) => r.method === 'POST');
  assert.ok(posted, 'the callback received a POST');
  const form = new URLSearchParams(posted.body);
  assert.equal(form.get('iss'), BASE);
  const request = new Request(`${origin}/cb`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form,
  });
  const tokens = await client.authorizationCodeGrant(config, request, {
    pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true,
  });
  assert.equal(tokens.claims().iss, BASE);
  assert.equal(tokens.refresh_token, undefined, 'no offline_access: no refresh token');
  await context.close();
});

test('dynamic registration: openid-client registers itself (RFC 7591, an initial access token), signs a person in, and the registration is read back (RFC 7592)', async () => {
  const meta = config.serverMetadata();
  assert.equal(meta.registration_endpoint, `${BASE}/oauth/register`);
  const { token } = ctl('registration-token', 'create', '--uses', '1', '--ttl', '600');
  const registered = await client.dynamicClientRegistration(new URL(BASE), {
    client_name: 'openid-client, registered by itself',
    redirect_uris: [`${origin}/dcr`],
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid email',
    // The method it registered is the one the token endpoint accepts from it.
  }, client.ClientSecretBasic(), { initialAccessToken: token, execute: [client.allowInsecureRequests] });
  const md = registered.clientMetadata();
  assert.ok(md.client_id && md.client_secret && md.registration_access_token);
  assert.equal(md.client_secret_expires_at, 0);
  // The same initial access token is used up.
  const again = await fetch(`${BASE}/oauth/register`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ redirect_uris: [`${origin}/dcr`] }),
  });
  assert.equal(again.status, 401);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(registered, {
    redirect_uri: `${origin}/dcr`, scope: 'openid email', state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url.href);
  await signIn(page);
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${origin}/dcr**`);
  const tokens = await client.authorizationCodeGrant(registered, new URL(page.url()), {
    pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true,
  });
  assert.equal(tokens.claims().aud, md.client_id);
  await context.close();

  const read = await fetch(md.registration_client_uri, {
    headers: { authorization: `Bearer ${md.registration_access_token}` },
  });
  assert.equal(read.status, 200);
  const body = await read.json();
  assert.equal(body.client_id, md.client_id);
  assert.equal(body.client_secret, undefined, 'the secret is never shown again');
  assert.deepEqual(body.redirect_uris, [`${origin}/dcr`]);
});
