// An OpenID Certified provider (the npm `oidc-provider`, pinned in package.json) on 127.0.0.1, for the
// single sign-on tests (tests/accounts/test_sso_certified.py). Started by the test fixture:
//
//   node tests/oidc/provider.mjs --accounts FILE --client-id ID --client-secret SECRET \
//        --redirect-uri URI --post-logout-redirect-uri URI
//
// It listens on a free port of 127.0.0.1 and prints one line of JSON, {"issuer": "http://127.0.0.1:PORT"},
// once it serves. Everything else is oidc-provider's own: discovery, authorization with PKCE required,
// the token endpoint (client_secret_basic), the ID token signed with a key made at start, JWKS,
// RP-initiated logout.
//
// Who exists is read from the accounts file at each sign-in, so each test chooses it:
//   {"accounts": {"<login>": {"email": ..., "email_verified": true, "groups": [...], ...}},
//    "id_token_ttl": 600}
// The login page is not a page: the test POSTs `login=<login>` to /interaction/<uid> (a browser would
// type it into a form); a login the file does not know ends the sign-in with `access_denied`.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string' },
    'post-logout-redirect-uri': { type: 'string' },
  },
});
for (const name of ['accounts', 'client-id', 'client-secret', 'redirect-uri', 'post-logout-redirect-uri']) {
  if (!args[name]) {
    console.error(`provider.mjs: --${name} is required`);
    process.exit(2);
  }
}

function state() {
  return JSON.parse(readFileSync(args.accounts, 'utf8'));
}

const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: `key-${randomBytes(4).toString('hex')}`,
  use: 'sig',
  alg: 'RS256',
};

const configuration = {
  clients: [
    {
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: [args['redirect-uri']],
      post_logout_redirect_uris: [args['post-logout-redirect-uri']],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups', 'employee'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
    employee: ['employee_number'],
  },
  // The claims of the scopes asked for go into the ID token, as Okta, Entra ID and Google put the email
  // there; the portal reads the ID token, not the userinfo endpoint.
  conformIdTokenClaims: false,
  ttl: {
    IdToken: () => state().id_token_ttl ?? 600,
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, sub) {
    const account = state().accounts?.[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, ...account };
      },
    };
  },
};

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  async function interaction(req, res) {
    const details = await provider.interactionDetails(req, res);
    if (req.method !== 'POST') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<form method="post" action="/interaction/${details.uid}"><input name="login"><button>Sign in</button></form>`);
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const login = new URLSearchParams(body).get('login') ?? '';
    if (!state().accounts?.[login]) {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'no such account',
      }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, {
      login: { accountId: login },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
  }

  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(req, res).catch((error) => {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        res.end(`${error.name}: ${error.message}`);
      });
    } else {
      callback(req, res);
    }
  });
  console.log(JSON.stringify({ issuer }));
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
