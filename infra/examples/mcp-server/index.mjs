// An MCP server on AWS Lambda (the official TypeScript MCP SDK, Streamable
// HTTP in its stateless JSON mode) whose tokens come from this OAuth server.
//
// The function checks each bearer token itself, as API Gateway's JWT
// authorizer would: signature by the issuer's JWKS (from its discovery
// document, cached for the life of the Lambda environment), iss, exp, nbf and
// aud = this server's URL (MCP_URL, registered with `oauthctl resource create
// --uri MCP_URL`, so the OAuth server puts it in `aud`, RFC 8707; RFC 9068 §4).
// Not the authorizer itself: API Gateway's 401 cannot carry RFC 9728's
// `resource_metadata` and says `scope=""`, which the MCP SDKs (TypeScript
// 1.32, Python 2.3) read as the scope `""` and send to the authorization
// server, which refuses it (RFC 6749 §3.3 has no `"` in a scope).
//
// What it serves:
// - GET /.well-known/oauth-protected-resource/mcp (and the root form): the
//   RFC 9728 protected resource metadata naming the authorization server.
// - POST /mcp: MCP's JSON-RPC. A request without a valid token gets the
//   RFC 9728 §5.1 challenge, `WWW-Authenticate: Bearer resource_metadata="…"`
//   with the scopes to ask for (RFC 6750 §3).
// - A tool call without the `tools:call` scope: 403 insufficient_scope
//   (RFC 6750 §3.1), naming the scope.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { z } from 'zod';

const MCP_URL = process.env.MCP_URL;
const ISSUER = process.env.ISSUER;
export const SCOPES = ['tools:read', 'tools:call'];

// RFC 9728 §3.1: the metadata of https://host/mcp is at
// https://host/.well-known/oauth-protected-resource/mcp.
const mcpPath = () => new URL(MCP_URL).pathname;
const metadataPath = () => `/.well-known/oauth-protected-resource${mcpPath() === '/' ? '' : mcpPath()}`;
export const metadataUrl = () => new URL(metadataPath(), MCP_URL).href;

export const protectedResourceMetadata = () => ({
  resource: MCP_URL,
  authorization_servers: [ISSUER],
  scopes_supported: SCOPES,
  bearer_methods_supported: ['header'],
  resource_name: 'Example MCP server',
});

function tools(auth) {
  const server = new McpServer({ name: 'example-mcp-server', version: '1.0.0' });
  server.registerTool('whoami', {
    description: 'Who the access token was issued to: the person and the app',
  }, async () => ({
    content: [{ type: 'text', text: JSON.stringify({ sub: auth.sub, client_id: auth.client_id, scope: auth.scope }) }],
  }));
  server.registerTool('add', {
    description: 'Adds two numbers',
    inputSchema: { a: z.number(), b: z.number() },
  }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  return server;
}

const json = (statusCode, body, headers = {}) => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

// The issuer's signing keys: its discovery document names the JWKS, which
// jose fetches once and again only for a `kid` it has not seen.
let keys;
async function jwks() {
  if (!keys) {
    const discovery = await fetch(new URL('/.well-known/openid-configuration', ISSUER));
    if (!discovery.ok) throw new Error(`discovery of ${ISSUER}: ${discovery.status}`);
    keys = createRemoteJWKSet(new URL((await discovery.json()).jwks_uri));
  }
  return keys;
}

// The bearer token's claims (RFC 6750 §2.1, RFC 9068 §4), or null.
async function authorized(event) {
  const header = event.headers?.authorization ?? event.headers?.Authorization ?? '';
  const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  if (!m) return null;
  try {
    const { payload } = await jwtVerify(m[1], await jwks(), { issuer: ISSUER, audience: MCP_URL, algorithms: ['RS256'] });
    if (!payload.sub) return null;
    const scope = String(payload.scope ?? '').split(' ').filter(Boolean);
    return { sub: payload.sub, client_id: payload.client_id, scope, claims: payload };
  } catch {
    return null;
  }
}

const wantsToolCall = (body) => [body].flat().some((m) => m?.method === 'tools/call');

export async function handler(event) {
  const method = event.requestContext.http.method;
  const path = event.rawPath;
  if (method === 'GET' && (path === metadataPath() || path === '/.well-known/oauth-protected-resource')) {
    return json(200, protectedResourceMetadata(), { 'cache-control': 'public, max-age=3600' });
  }
  if (path !== mcpPath()) return json(404, { error: 'not_found' });
  const auth = await authorized(event);
  if (!auth) {
    // RFC 6750 §3.1: no error code when no token was sent; invalid_token for one that fails.
    const presented = Boolean(event.headers?.authorization ?? event.headers?.Authorization);
    const error = presented ? ', error="invalid_token"' : '';
    return json(401, { error: 'invalid_token', error_description: presented ? 'the token is not valid here' : 'a bearer token is required' }, {
      'www-authenticate': `Bearer resource_metadata="${metadataUrl()}", scope="${SCOPES.join(' ')}"${error}`,
    });
  }
  // Stateless: no SSE stream to open (GET) and no session to end (DELETE).
  if (method !== 'POST') return { statusCode: 405, headers: { allow: 'POST' }, body: '' };
  const raw = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  let body;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return json(400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
  }
  if (wantsToolCall(body) && !auth.scope.includes('tools:call')) {
    return json(403, { error: 'insufficient_scope', error_description: 'calling a tool needs the tools:call scope' }, {
      'www-authenticate': `Bearer error="insufficient_scope", scope="tools:call", resource_metadata="${metadataUrl()}"`,
    });
  }
  const request = new Request(new URL(path, MCP_URL), {
    method,
    headers: Object.entries(event.headers ?? {}).filter(([k]) => k !== 'content-length'),
    body: raw,
  });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  const server = tools(auth);
  await server.connect(transport);
  try {
    const response = await transport.handleRequest(request, {
      parsedBody: body,
      authInfo: { token: '', clientId: auth.client_id, scopes: auth.scope, extra: auth.claims },
    });
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.text(),
    };
  } finally {
    await server.close();
  }
}
