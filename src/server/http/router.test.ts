import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Router } from './router.ts';

describe('Router', () => {
  const noop = () => undefined;
  const router = new Router().add('GET', '/v1/projects', noop).add('POST', '/v1/projects', noop).add('GET', '/v1/projects/:name', noop).add('DELETE', '/v1/projects/:name', noop);

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
});
