// node-oidc-provider with its in-memory development adapter and development keys:
// the peer `make bench` compares against. Two clients: `bench` (client
// credentials) and `bench-code` (authorization code + refresh token).
//
// The benchmark drives the token endpoint only. The authorization codes it
// redeems are made beforehand, outside the measured window, by
// `POST /bench/codes?n=N&scope=S`: each is a Grant and an AuthorizationCode
// built with the provider's own models, as its interaction flow would leave them
// (account `bench-user`). Scope `offline_access` redeems to an access and a
// refresh token; `openid offline_access` adds an ID Token signed RS256, as ours
// does.
import Provider from 'oidc-provider';
import { setStorage } from 'oidc-provider/lib/adapters/memory_adapter.js';

// The development adapter's store, unbounded: its default (an LRU of 1,000
// entries) would evict the codes made ahead of a long run. A Map is also a
// little cheaper per request than the LRU, in the peer's favour.
setStorage(new Map());

const port = Number(process.env.PORT ?? 3000);
const redirectUri = 'https://client.example/cb';
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'bench',
    client_secret: 'bench-secret',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
  }, {
    client_id: 'bench-code',
    client_secret: 'bench-secret',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [redirectUri],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
});

provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || ctx.path !== '/bench/codes') return next();
  const n = Math.min(Number(ctx.query.n ?? 1), 100000);
  const scope = ctx.query.scope ?? 'openid offline_access';
  const client = await provider.Client.find('bench-code');
  const codes = [];
  for (let i = 0; i < n; i += 1) {
    const grant = new provider.Grant({ accountId: 'bench-user', clientId: client.clientId });
    grant.addOIDCScope(scope);
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId: 'bench-user',
      authTime: Math.floor(Date.now() / 1000),
      client,
      grantId,
      nonce: `n-${i}`,
      redirectUri,
      scope,
    });
    codes.push(await code.save());
  }
  ctx.body = codes;
});

// Why a grant was refused, on stderr (test-output/bench-peer.log).
provider.on('grant.error', (ctx, err) => console.error('grant.error', err.error, err.error_detail));

provider.listen(port, '127.0.0.1');
