import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withTestServer } from '../support/server-fixture.ts';

describe('REST projects', () => {
  it('lists, creates, gets and deletes projects', async () => {
    await withTestServer(async (server) => {
      const dir = await mkdtemp(join(tmpdir(), 'confab-other-'));
      try {
        const listed = await server.request('GET', '/v1/projects');
        assert.equal(listed.status, 200);
        assert.deepEqual(listed.body.projects.map((project: { name: string }) => project.name), ['demo']);

        const created = await server.request('POST', '/v1/projects', { name: 'other', path: dir });
        assert.equal(created.status, 201);
        assert.equal(created.body.project.name, 'other');
        assert.equal(created.body.project.path, await realpath(dir));
        assert.equal(typeof created.body.project.createdAt, 'number');

        const fetched = await server.request('GET', '/v1/projects/other');
        assert.equal(fetched.status, 200);
        assert.deepEqual(fetched.body, created.body);

        const removed = await server.request('DELETE', '/v1/projects/other');
        assert.equal(removed.status, 204);
        assert.equal(removed.body, '');
        assert.equal((await server.request('GET', '/v1/projects/other')).status, 404);
        assert.deepEqual((await server.request('GET', '/v1/projects')).body.projects.map((project: { name: string }) => project.name), ['demo']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  it('deleting a project deletes its conversations', async () => {
    await withTestServer(async (server) => {
      assert.equal((await server.request('DELETE', '/v1/projects/demo')).status, 204);
      const gone = await server.request('GET', `/v1/conversations/${server.conversationId}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, 'not_found');
    });
  });

  it('refuses bad project input with 400 bad_request and stores nothing: also a relative path, and a directory already registered', async () => {
    await withTestServer(async (server) => {
      const file = join(server.projectDir, 'README.md');
      const linkDir = await mkdtemp(join(tmpdir(), 'confab-link-'));
      const linked = join(linkDir, 'to-demo');
      await symlink(server.projectDir, linked);
      const cases: [unknown, RegExp][] = [
        [{ name: 'bad name!', path: server.projectDir }, /Project name must be/],
        [{ name: 'x', path: join(server.projectDir, 'missing') }, /does not exist/],
        [{ name: 'x', path: file }, /not a directory/],
        [{ name: 'x' }, /^Invalid project: path: /],
        [{ path: server.projectDir }, /^Invalid project: name: /],
        [[1, 2], /^Invalid project: /],
        [{ name: 'demo', path: server.projectDir }, /already exists/],
        [{ name: 'x', path: '.' }, /^Project path must be absolute \(got "\."\); the server does not guess which directory a relative path means\.$/],
        [{ name: 'x', path: 'relative/dir' }, /must be absolute/],
        [{ name: 'again', path: server.projectDir }, new RegExp(`^The directory ${server.projectDir} is already registered as project "demo"\\.`)],
        [{ name: 'again', path: `${server.projectDir}/` }, /is already registered as project "demo"/],
        [{ name: 'again', path: linked }, /is already registered as project "demo"/],
      ];
      for (const [body, message] of cases) {
        const response = await server.request('POST', '/v1/projects', body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body.error.code, 'bad_request');
        assert.match(response.body.error.message, message);
      }
      const empty = await server.request('POST', '/v1/projects', '');
      assert.equal(empty.status, 400);
      assert.deepEqual((await server.request('GET', '/v1/projects')).body.projects.map((project: { name: string }) => project.name), ['demo']);
      await rm(linkDir, { recursive: true, force: true });
    });
  });

  it('answers 404 not_found for an unknown project on GET and DELETE', async () => {
    await withTestServer(async (server) => {
      for (const method of ['GET', 'DELETE']) {
        const response = await server.request(method, '/v1/projects/nope');
        assert.equal(response.status, 404);
        assert.deepEqual(response.body, { error: { code: 'not_found', message: 'No project named "nope".' } });
      }
    });
  });
});
