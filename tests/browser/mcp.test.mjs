// MCP clients connect without anyone registering them: the official MCP
// TypeScript SDK's own OAuth (its StreamableHTTPClientTransport with an
// OAuthClientProvider) against the example MCP server of
// infra/examples/mcp-server, whose tokens come from the local stack. The SDK
// finds the authorization server from the RFC 9728 challenge, registers
// itself (RFC 7591) or names its Client ID Metadata Document, sends a person
// through the login and consent pages in the real browser, redeems the code
// with PKCE and `resource` (RFC 8707), and calls a tool. The person then sees
// the app on the account page and revokes it: its refresh token stops at once
// and its last (10-second) access token runs out. Screenshots in test-output/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { BASE, ctl, rand, launch, signInAs, OUT } from './stack.mjs';

const MCP_URL = process.env.MCP_URL;
const TLS = process.env.MCP_TLS_DIR;
const email = `mcp-${rand()}@example.com`;
const password = 'mcp-user-password-1';
let browser, callbackServer, callback, documentServer, documentHits = 0;

before(async () => {
  assert.ok(MCP_URL && TLS, 'infra/test.sh starts the example MCP server and sets MCP_URL, MCP_TLS_DIR');
  callbackServer = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>MCP client</title><h1>You can close this window</h1>');
  });
  await new Promise((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  callback = `http://127.0.0.1:${callbackServer.address().port}/callback`;
  ctl('user', 'create', '--email', email, '--password', password);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  callbackServer?.close();
  documentServer?.close();
});

const clientMetadata = (name) => ({
  client_name: name,
  redirect_uris: [callback],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
});

// What an MCP client keeps (in memory here): its registration, tokens and the
// PKCE verifier; the authorization URL the SDK asks it to open.
class MemoryProvider {
  constructor(name, clientMetadataUrl) {
    this.name = name;
    this.clientMetadataUrl = clientMetadataUrl;
    this.saved = {};
  }
  get redirectUrl() { return callback; }
  get clientMetadata() { return clientMetadata(this.name); }
  clientInformation() { return this.saved.client; }
  saveClientInformation(info) { this.saved.client = info; }
  tokens() { return this.saved.tokens; }
  saveTokens(tokens) { this.saved.tokens = tokens; }
  saveCodeVerifier(v) { this.saved.verifier = v; }
  codeVerifier() { return this.saved.verifier; }
  redirectToAuthorization(url) { this.authorizationUrl = url; }
  // What the SDK drops when the server refuses it (a revoked refresh token: 'tokens').
  invalidateCredentials(scope) {
    if (scope === 'all' || scope === 'client') delete this.saved.client;
    if (scope === 'all' || scope === 'tokens') delete this.saved.tokens;
    if (scope === 'all' || scope === 'verifier') delete this.saved.verifier;
  }
}

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

async function connect(provider) {
  const client = new Client({ name: provider.name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
  await client.connect(transport);
  return client;
}

// The SDK's whole authorization: refused, the person signs in and allows the
// app in the browser, the code comes back to the client, which redeems it.
async function authorize(page, provider, shot) {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
  await assert.rejects(new Client({ name: provider.name, version: '1.0.0' }).connect(transport), UnauthorizedError);
  const url = provider.authorizationUrl;
  assert.ok(url, 'the SDK asked to open the authorization endpoint');
  assert.equal(url.origin + url.pathname, `${BASE}/oauth/authorize`);
  assert.equal(url.searchParams.get('resource'), MCP_URL, 'RFC 8707: the MCP server as resource');
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  await page.goto(url.href);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await signInAs(page, email, password);
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  const body = await page.textContent('body');
  assert.match(body, new RegExp(`${provider.name} wants to access your account`));
  assert.match(body, /This app is not verified/, 'a self-registered app is marked as unverified');
  assert.match(body, /tools:call/);
  if (provider.clientMetadataUrl) assert.match(body, /Published by\s*localhost/, 'the document URL\'s host');
  await page.screenshot({ path: `${OUT}/${shot}`, fullPage: true });
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${callback}**`);
  const back = new URL(page.url()).searchParams;
  assert.equal(back.get('iss'), BASE, 'RFC 9207');
  await transport.finishAuth(back.get('code'));
  const tokens = provider.tokens();
  assert.ok(tokens?.access_token);
  const at = claims(tokens.access_token);
  assert.equal(at.iss, BASE);
  assert.deepEqual([at.aud].flat(), [MCP_URL], 'the token is for this MCP server alone');
  assert.equal(at.client_id, provider.saved.client.client_id);
  return tokens;
}

async function useTools(provider) {
  const client = await connect(provider);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ['add', 'whoami']);
  const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
  assert.equal(sum.content[0].text, '42');
  const me = JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
  await client.close();
  return me;
}

const refresh = (clientId, refreshToken) => fetch(`${BASE}/oauth/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, resource: MCP_URL }),
});

// The person revokes the app on the account page (same browser, still signed in).
async function revokeOnAccountPage(page, name, shot) {
  await page.goto(`${BASE}/account`);
  await page.getByRole('heading', { name: 'Apps you allowed' }).waitFor();
  assert.match(await page.textContent('body'), new RegExp(name));
  await page.screenshot({ path: `${OUT}/${shot}`, fullPage: true });
  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  await page.getByRole('status').waitFor();
  assert.equal(await page.getByRole('button', { name: `Revoke ${name}` }).count(), 0, 'no longer listed');
}

// After revocation: the refresh token at once, the access token at its exp.
async function assertRevoked(provider, tokens) {
  if (tokens.refresh_token) {
    const r = await refresh(provider.saved.client.client_id, tokens.refresh_token);
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error, 'invalid_grant', 'the refresh token ends with the revocation');
  }
  const wait = claims(tokens.access_token).exp * 1000 - Date.now() + 1500;
  await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 0)));
  const direct = await fetch(MCP_URL, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  assert.equal(direct.status, 401, 'the last access token has run out');
  assert.match(direct.headers.get('www-authenticate') ?? '', /resource_metadata="/);
  provider.authorizationUrl = undefined;
  const refused = await connect(provider).then(() => null, (e) => e);
  assert.ok(refused instanceof UnauthorizedError, `the client must ask the person again: ${refused}`);
  assert.ok(provider.authorizationUrl, 'and is sent back to the authorization endpoint');
}

test('an MCP client registers itself (RFC 7591), a person allows it, it calls tools; revoked on the account page', async () => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  const provider = new MemoryProvider(`MCP Agent ${rand()}`);
  const tokens = await authorize(page, provider, 'mcp-consent.png');
  const registered = provider.saved.client;
  assert.ok(registered.client_id && !registered.client_secret, 'a public client (token_endpoint_auth_method none)');
  const me = await useTools(provider);
  assert.equal(me.client_id, registered.client_id);
  assert.deepEqual([...me.scope].sort(), ['tools:call', 'tools:read']);
  assert.ok(me.sub);

  await revokeOnAccountPage(page, provider.name, 'mcp-account.png');
  await assertRevoked(provider, tokens);
  await context.close();
});

test('an MCP client names its Client ID Metadata Document: no registration, fetched once', async () => {
  const name = `MCP Metadata Agent ${rand()}`;
  documentServer = https.createServer({ cert: readFileSync(`${TLS}/cert.pem`), key: readFileSync(`${TLS}/key.pem`) }, (req, res) => {
    documentHits += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
    res.end(JSON.stringify({ client_id: documentUrl, ...clientMetadata(name) }));
  });
  await new Promise((resolve) => documentServer.listen(0, '127.0.0.1', resolve));
  const documentUrl = `https://localhost:${documentServer.address().port}/mcp/client.json`;

  const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  const provider = new MemoryProvider(name, documentUrl);
  const tokens = await authorize(page, provider, 'mcp-cimd-consent.png');
  assert.equal(provider.saved.client.client_id, documentUrl, 'the document URL is the client_id');
  const me = await useTools(provider);
  assert.equal(me.client_id, documentUrl);
  console.log(`# Client ID Metadata Document fetched ${documentHits} time(s) over authorize, consent and token`);
  assert.equal(documentHits, 1, 'fetched once, then read from the cache');

  await revokeOnAccountPage(page, name, 'mcp-cimd-account.png');
  await assertRevoked(provider, tokens);
  await context.close();
});
