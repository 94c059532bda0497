import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testToken, withTestServer, type TestServer } from '../support/server-fixture.ts';
import { openSse } from '../support/sse-client.ts';
import { tryUpgrade } from '../support/ws-client.ts';

const allowedOrigin = 'http://app.example:5173';
const foreignOrigin = 'http://evil.example';

type Credentials = { name: string; headers?: Record<string, string>; query?: string };
type Expectation = { status: number; code?: string };

/** Every way a request can present (or not) a token, with or without an Origin, and what each must get. */
function matrix(server: TestServer): [Credentials, Expectation][] {
  const ownOrigin = server.url;
  const bearer = { authorization: `Bearer ${testToken}` };
  return [
    [{ name: 'no token' }, { status: 401, code: 'unauthorized' }],
    [{ name: 'wrong bearer', headers: { authorization: 'Bearer wrong' } }, { status: 401, code: 'unauthorized' }],
    [{ name: 'bearer one character short', headers: { authorization: `Bearer ${testToken.slice(0, -1)}` } }, { status: 401, code: 'unauthorized' }],
    [{ name: 'token without Bearer scheme', headers: { authorization: testToken } }, { status: 401, code: 'unauthorized' }],
    [{ name: 'wrong cookie', headers: { cookie: 'confab_token=wrong' } }, { status: 401, code: 'unauthorized' }],
    [{ name: 'wrong query', query: '?token=wrong' }, { status: 401, code: 'unauthorized' }],
    [{ name: 'right bearer', headers: bearer }, { status: 200 }],
    [{ name: 'right cookie', headers: { cookie: `other=1; confab_token=${testToken}` } }, { status: 200 }],
    [{ name: 'right query', query: `?token=${testToken}` }, { status: 200 }],
    [{ name: 'foreign Origin with the right token', headers: { ...bearer, origin: foreignOrigin } }, { status: 403, code: 'forbidden' }],
    [{ name: 'foreign Origin with no token', headers: { origin: foreignOrigin } }, { status: 403, code: 'forbidden' }],
    [{ name: 'own Origin', headers: { ...bearer, origin: ownOrigin } }, { status: 200 }],
    [{ name: 'allow-listed Origin', headers: { ...bearer, origin: allowedOrigin } }, { status: 200 }],
  ];
}

describe('auth matrix', () => {
  it('REST: token by header, cookie or query; 401 without or wrong; 403 for a foreign Origin', async () => {
    await withTestServer(
      async (server) => {
        for (const [credentials, expected] of matrix(server)) {
          const response = await fetch(`${server.url}/v1/projects${credentials.query ?? ''}`, { headers: credentials.headers });
          assert.equal(response.status, expected.status, credentials.name);
          const body = await response.json();
          if (expected.code) assert.equal(body.error.code, expected.code, credentials.name);
          else assert.ok(Array.isArray(body.projects), credentials.name);
        }
      },
      { allowOrigins: [allowedOrigin] },
    );
  });

  it('SSE: the same matrix, checked before the stream opens', async () => {
    await withTestServer(
      async (server) => {
        for (const [credentials, expected] of matrix(server)) {
          const sse = await openSse(`${server.url}/v1/conversations/${server.conversationId}/events${credentials.query ?? ''}`, credentials.headers);
          assert.equal(sse.status, expected.status, credentials.name);
          if (expected.code) {
            await sse.ended;
            assert.equal(JSON.parse(sse.raw()).error.code, expected.code, credentials.name);
          } else {
            assert.equal(sse.headers['content-type'], 'text/event-stream');
            await sse.waitForRaw((raw) => raw.startsWith('retry: 1000\n\n'));
          }
          sse.close();
        }
      },
      { allowOrigins: [allowedOrigin] },
    );
  });

  it('WebSocket: the same matrix, refused with an HTTP status before the upgrade', async () => {
    await withTestServer(
      async (server) => {
        for (const [credentials, expected] of matrix(server)) {
          const result = await tryUpgrade(server.url, credentials.headers, credentials.query);
          assert.equal(result.status, expected.status === 200 ? 101 : expected.status, credentials.name);
          if (expected.code) assert.equal(result.body.error.code, expected.code, credentials.name);
        }
        const wrongPath = await tryUpgrade(server.url, server.authHeaders, '', '/v1/elsewhere');
        assert.equal(wrongPath.status, 404);
        assert.equal(wrongPath.body.error.code, 'not_found');
      },
      { allowOrigins: [allowedOrigin] },
    );
  });
});

describe('browser hand-off and CORS', () => {
  it('GET /?token= sets an HttpOnly SameSite=Strict cookie and redirects 303 to / ; the cookie then admits', async () => {
    await withTestServer(async (server) => {
      const response = await fetch(`${server.url}/?token=${testToken}`, { redirect: 'manual' });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/');
      assert.equal(response.headers.get('set-cookie'), `confab_token=${testToken}; HttpOnly; SameSite=Strict; Path=/`);
      const cookie = response.headers.get('set-cookie')!.split(';')[0];
      const listed = await fetch(`${server.url}/v1/projects`, { headers: { cookie } });
      assert.equal(listed.status, 200);
      const landing = await fetch(`${server.url}/`, { headers: { cookie } });
      assert.equal(landing.status, 200);
      assert.match(await landing.text(), /Confab is running/);
    });
  });

  it('GET /?token= with a wrong token is 401 and sets no cookie', async () => {
    await withTestServer(async (server) => {
      const response = await fetch(`${server.url}/?token=wrong`, { redirect: 'manual' });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('set-cookie'), null);
      assert.equal((await response.json()).error.code, 'unauthorized');
    });
  });

  it('a browser opening a link with a wrong token is sent to the web app (303 /?signin=invalid-link), without a cookie', async () => {
    const webDir = await mkdtemp(join(tmpdir(), 'confab-web-'));
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>app</title>');
    try {
      await withTestServer(
        async (server) => {
          const browser = await fetch(`${server.url}/?token=wrong`, { redirect: 'manual', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
          assert.equal(browser.status, 303);
          assert.equal(browser.headers.get('location'), '/?signin=invalid-link');
          assert.equal(browser.headers.get('set-cookie'), null);
          const landing = await fetch(`${server.url}/?signin=invalid-link`);
          assert.equal(await landing.text(), '<!doctype html><title>app</title>');
          const api = await fetch(`${server.url}/?token=wrong`, { redirect: 'manual' });
          assert.equal(api.status, 401, 'a non-browser client still gets the JSON error');
        },
        { staticDir: webDir },
      );
    } finally {
      await rm(webDir, { recursive: true, force: true });
    }
  });

  it('answers CORS preflights and requests from allow-listed origins only', async () => {
    await withTestServer(
      async (server) => {
        const preflight = await fetch(`${server.url}/v1/projects`, {
          method: 'OPTIONS',
          headers: { origin: allowedOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
        });
        assert.equal(preflight.status, 204);
        assert.equal(preflight.headers.get('access-control-allow-origin'), allowedOrigin);
        assert.equal(preflight.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, Last-Event-ID');
        assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, POST, PATCH, DELETE, OPTIONS');
        const listed = await fetch(`${server.url}/v1/projects`, { headers: { ...server.authHeaders, origin: allowedOrigin } });
        assert.equal(listed.headers.get('access-control-allow-origin'), allowedOrigin);
        assert.equal(listed.headers.get('access-control-allow-credentials'), 'true');
        const foreign = await fetch(`${server.url}/v1/projects`, { method: 'OPTIONS', headers: { origin: foreignOrigin, 'access-control-request-method': 'GET' } });
        assert.equal(foreign.status, 403);
        assert.equal(foreign.headers.get('access-control-allow-origin'), null);
      },
      { allowOrigins: [allowedOrigin] },
    );
  });
});
