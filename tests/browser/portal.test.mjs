// My Apps and the account page in a real browser (headless Debian Chromium,
// playwright-core) against the local stack of infra/test.sh: a developer
// registers an app, copies its secret, rotates it with an overlap (both work,
// no outage), mints a test token; the same person allows the app, sees it on
// the account page and revokes it, and the app's refresh token and opaque
// access token stop working at once. Screenshots in test-output/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { BASE, ctl, rand, launch, signInAs, OUT } from './stack.mjs';
import crypto from 'node:crypto';

const email = `developer-${rand()}@example.com`;
const password = 'developer-password-1';
let server, callback, browser;

before(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>App callback</title><h1>App callback</h1>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  callback = `http://127.0.0.1:${server.address().port}/callback`;
  ctl('user', 'create', '--email', email, '--password', password);
  ctl('user', 'update', '--email', email, '--developer');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const form = (o) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(o),
});
const token = (o) => fetch(`${BASE}/oauth/token`, form(o));
const userinfo = (at) => fetch(`${BASE}/oauth/userinfo`, { headers: { authorization: `Bearer ${at}` } });

const signIn = (page) => signInAs(page, email, password);

test('a developer registers an app, rotates its secret without an outage, mints a test token; a person revokes it on the account page', async () => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/developers`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await signIn(page);
  await page.getByRole('heading', { name: 'My Apps' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/developers', 'back where the sign-in started');

  await page.getByLabel('Name').fill('Browser Portal App');
  await page.getByLabel('Redirect URIs (one per line)').fill(callback);
  await page.getByLabel('Scopes (space-separated)').fill('openid profile offline_access');
  await page.getByLabel('How the app authenticates').selectOption('client_secret_basic');
  for (const g of ['authorization_code', 'refresh_token']) await page.getByLabel(g, { exact: true }).check();
  await page.screenshot({ path: `${OUT}/portal.png`, fullPage: true });
  await page.getByRole('button', { name: 'Register', exact: true }).click();

  const clientId = (await page.locator('#client_id').textContent()).trim();
  const first = (await page.locator('#client_secret').textContent()).trim();
  assert.ok(clientId && first.length >= 32);
  await page.screenshot({ path: `${OUT}/portal-app.png`, fullPage: true });
  const basic = (s) => `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(s)}`).toString('base64')}`;
  // A secret works when a wrong code is refused as invalid_grant, not invalid_client.
  const works = async (s) => {
    const r = await fetch(`${BASE}/oauth/token`, { ...form({ grant_type: 'authorization_code', code: 'x.y', redirect_uri: callback }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(s) } });
    return (await r.json()).error === 'invalid_grant';
  };
  assert.ok(await works(first));

  await page.getByLabel('Keep the old secret working for').selectOption({ label: '1 hour' });
  await page.getByRole('button', { name: 'Rotate the secret' }).click();
  const second = (await page.locator('#client_secret').textContent()).trim();
  assert.notEqual(second, first);
  assert.ok(await works(first), 'the old secret during the overlap');
  assert.ok(await works(second), 'the new one at once');
  assert.match(await page.textContent('body'), /Previous secret/);

  await page.getByLabel(/Scopes \(space-separated, from/).fill('openid profile');
  await page.getByRole('button', { name: 'Mint a test token' }).click();
  const testToken = (await page.locator('#test_token').textContent()).trim();
  assert.equal((await userinfo(testToken)).status, 200, 'the test token is the developer\'s own');

  // The same person allows the app (already signed in: straight to consent).
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  await page.goto(`${BASE}/oauth/authorize?response_type=code&client_id=${encodeURIComponent(clientId)}` +
    `&redirect_uri=${encodeURIComponent(callback)}&scope=${encodeURIComponent('openid profile offline_access')}` +
    `&state=st-portal&code_challenge=${challenge}&code_challenge_method=S256&prompt=consent`);
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  assert.match(await page.textContent('body'), /Browser Portal App/);
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${callback}**`);
  const code = new URL(page.url()).searchParams.get('code');
  const issued = await fetch(`${BASE}/oauth/token`, { ...form({ grant_type: 'authorization_code', code, redirect_uri: callback, code_verifier: verifier }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(second) } });
  assert.equal(issued.status, 200);
  const tokens = await issued.json();
  assert.ok(tokens.refresh_token);
  assert.equal((await userinfo(tokens.access_token)).status, 200);

  await page.goto(`${BASE}/account`);
  await page.getByRole('heading', { name: 'Apps you allowed' }).waitFor();
  assert.match(await page.textContent('body'), /Browser Portal App/);
  await page.screenshot({ path: `${OUT}/account.png`, fullPage: true });
  await page.getByRole('button', { name: 'Revoke Browser Portal App' }).click();
  await page.getByRole('status').waitFor();
  assert.match(await page.textContent('body'), /revoked/);
  assert.doesNotMatch(await page.textContent('table') ?? '', /Browser Portal App/);
  await page.screenshot({ path: `${OUT}/account-revoked.png`, fullPage: true });

  assert.equal((await userinfo(tokens.access_token)).status, 401, 'the access token ends at once');
  const refreshed = await fetch(`${BASE}/oauth/token`, { ...form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(second) } });
  assert.equal(refreshed.status, 400, 'and the refresh token');
  assert.equal((await refreshed.json()).error, 'invalid_grant');
  await context.close();
});
