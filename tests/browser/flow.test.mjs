// A real browser through the authorize pages: headless Debian Chromium driven by
// playwright-core, at a phone's width, against the local stack started by
// infra/test.sh (OAUTH_BASE, OAUTHCTL). A local callback page receives the code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { BASE, ctl, rand, launch, signInAs, OUT } from './stack.mjs';

let server, callback, browser, client, secret;
const email = `browser-${rand()}@example.com`;
const password = 'browser-password-1';

before(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Client callback</title><h1>Client callback</h1>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  callback = `http://127.0.0.1:${server.address().port}/callback`;
  client = `web-${rand()}`;
  secret = ctl('client', 'create', '--name', 'Acme Dashboard', '--id', client, '--redirect-uri', callback,
    '--scope', 'profile read write').client_secret;
  ctl('user', 'create', '--email', email, '--password', password);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const authorizeUrl = (scope, state) =>
  `${BASE}/oauth/authorize?response_type=code&client_id=${client}` +
  `&redirect_uri=${encodeURIComponent(callback)}&scope=${encodeURIComponent(scope)}&state=${state}`;

const phone = () => browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });

const signIn = (page) => signInAs(page, email, password);

const landed = (page) => new URL(page.url());

test('sign in, see the client and scopes, allow, land on the callback with code and state; consent is remembered', async () => {
  const context = await phone();
  const page = await context.newPage();
  await page.goto(authorizeUrl('profile read', 'st-allow'));
  await assert.doesNotReject(page.getByRole('heading', { name: 'Sign in' }).waitFor());
  assert.match(await page.textContent('body'), /Acme Dashboard/);
  await page.screenshot({ path: `${OUT}/login.png`, fullPage: true });

  await signIn(page);
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  const body = await page.textContent('body');
  assert.match(body, /Acme Dashboard wants to access your account/);
  assert.match(body, /See your name and email address/, 'scope descriptions are shown');
  assert.match(body, /Read your data/);
  assert.doesNotMatch(body, /Change your data/, 'only the requested scopes');
  // Readable on a phone: nothing wider than the viewport.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width}px wide on a 390px screen`);
  await page.screenshot({ path: `${OUT}/consent.png`, fullPage: true });

  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${callback}**`);
  const url = landed(page);
  assert.equal(url.searchParams.get('state'), 'st-allow');
  const code = url.searchParams.get('code');
  // {grant id}.{256 random bits}: the secret part is 43 base64url characters.
  assert.match(code, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
  const token = await fetch(`${BASE}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callback,
      client_id: client, client_secret: secret }),
  });
  assert.equal(token.status, 200);

  // Same client, same scopes: consent remembered, straight back with a code.
  await page.goto(authorizeUrl('profile read', 'st-again'));
  await page.waitForURL(`${callback}**`);
  assert.equal(landed(page).searchParams.get('state'), 'st-again');
  assert.ok(landed(page).searchParams.get('code'));

  // A new scope: asked again, naming it.
  await page.goto(authorizeUrl('profile read write', 'st-more'));
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  assert.match(await page.textContent('body'), /Change your data/);
  await context.close();
});

test('deny lands on the callback with error=access_denied and the state', async () => {
  const context = await phone();
  const page = await context.newPage();
  // 'write' was never allowed above, so the consent page is shown.
  await page.goto(authorizeUrl('write', 'st-deny'));
  await signIn(page);
  await page.getByRole('button', { name: 'Deny' }).click();
  await page.waitForURL(`${callback}**`);
  const url = landed(page);
  assert.equal(url.searchParams.get('error'), 'access_denied');
  assert.equal(url.searchParams.get('state'), 'st-deny');
  assert.equal(url.searchParams.get('code'), null);
  await context.close();
});

test('a wrong password shows an error on the login page', async () => {
  const context = await phone();
  const page = await context.newPage();
  await page.goto(authorizeUrl('read', 'st-wrong'));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not-it');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.textContent('[role=alert]'), /Invalid email or password/);
  await context.close();
});
