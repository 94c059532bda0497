import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { Router } from './router.ts';
import type { RouteSpec } from './route-spec.ts';

const ok = { 200: { description: 'ok' } };
const spec = (method: RouteSpec['method'], path: string, operationId: string, params?: Record<string, string>): RouteSpec => ({
  method,
  path,
  operationId,
  tag: 'Test',
  summary: operationId,
  params,
  responses: ok,
});

describe('Router', () => {
  const noop = () => undefined;
  const name = { name: 'The name.' };
  const router = new Router()
    .add(spec('GET', '/v1/projects', 'list'), noop)
    .add(spec('POST', '/v1/projects', 'create'), noop)
    .add(spec('GET', '/v1/projects/:name', 'get', name), noop)
    .add(spec('DELETE', '/v1/projects/:name', 'delete', name), noop);

  it('matches exact paths and decodes parameters', () => {
    assert.equal(router.match('GET', '/v1/projects').kind, 'found');
    const match = router.match('GET', '/v1/projects/my%20project');
    assert.equal(match.kind, 'found');
    assert.deepEqual(match.kind === 'found' && match.params, { name: 'my project' });
  });

  it('treats HEAD as GET', () => {
    assert.equal(router.match('HEAD', '/v1/projects').kind, 'found');
  });

  it('says which methods a known path allows', () => {
    assert.deepEqual(router.match('PUT', '/v1/projects/x'), { kind: 'method-not-allowed', allow: ['GET', 'DELETE'] });
  });

  it('does not match empty or malformed parameters, extra segments or trailing slashes', () => {
    for (const path of ['/v1/projects/', '/v1/projects/%E0%A4%A', '/v1/projects/a/b', '/v1/projects//', '/v1']) {
      assert.deepEqual(router.match('GET', path), { kind: 'not-found' }, path);
    }
  });

  it('lists every route it serves, with its spec, in the order added', () => {
    assert.deepEqual(
      router.routes().map((route) => `${route.method} ${route.path} ${route.operationId}`),
      ['GET /v1/projects list', 'POST /v1/projects create', 'GET /v1/projects/:name get', 'DELETE /v1/projects/:name delete'],
    );
  });

  it('refuses a spec whose params do not describe the pattern, a taken operationId or a duplicate route', () => {
    assert.throws(() => new Router().add(spec('GET', '/v1/x/:id', 'x'), noop), /params must describe exactly id/);
    assert.throws(() => new Router().add(spec('GET', '/v1/x', 'x', { id: 'extra' }), noop), /params must describe exactly nothing/);
    assert.throws(() => new Router().add(spec('GET', '/v1/x', 'x'), noop).add(spec('GET', '/v1/y', 'x'), noop), /operationId x is taken/);
    assert.throws(() => new Router().add(spec('GET', '/v1/x', 'x'), noop).add(spec('GET', '/v1/x', 'y'), noop), /already added/);
  });

  it('type-checks a handler\'s reply against the statuses and bodies its spec declares', () => {
    const body = z.object({ n: z.number() });
    const typed = { method: 'GET', path: '/v1/n', operationId: 'n', tag: 'Test', summary: 'n', responses: { 200: { description: 'n', body } } } as const;
    new Router().add(typed, () => ({ status: 200, body: { n: 1 } }));
    // @ts-expect-error: 201 is not a declared status
    new Router().add(typed, () => ({ status: 201, body: { n: 1 } }));
    // @ts-expect-error: the body does not match the declared schema
    new Router().add(typed, () => ({ status: 200, body: { n: 'one' } }));
  });
});
