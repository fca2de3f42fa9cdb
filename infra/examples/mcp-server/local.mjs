// The example MCP server on this machine, for development and the end-to-end
// suite: a plain HTTP server standing in for API Gateway in front of the
// Lambda handler (a payload-2.0 event in, the handler's response out). As on
// AWS, the handler checks the bearer token itself (see index.mjs).
//
// usage: ISSUER=http://127.0.0.1:9000 MCP_URL=http://127.0.0.1:9100/mcp node local.mjs
import http from 'node:http';
import { handler } from './index.mjs';

const { ISSUER, MCP_URL } = process.env;
if (!ISSUER || !MCP_URL) throw new Error('ISSUER and MCP_URL are required');
const port = Number(new URL(MCP_URL).port || 80);

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const url = new URL(req.url, MCP_URL);
  const event = {
    version: '2.0',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, [v].flat().join(',')])),
    body: Buffer.concat(chunks).toString('base64'),
    isBase64Encoded: true,
    requestContext: { http: { method: req.method, path: url.pathname } },
  };
  try {
    const out = await handler(event);
    res.writeHead(out.statusCode, out.headers);
    res.end(out.body);
  } catch (e) {
    console.error(e);
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"message":"Internal Server Error"}');
  }
});
server.listen(port, '127.0.0.1', () => console.log(`MCP server on ${MCP_URL}`));
