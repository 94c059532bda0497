import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openFds } from '../support/process-fds.ts';
import { eventually, withTestServer } from '../support/server-fixture.ts';

/** Sends one request and destroys the socket at once, before the server can write a byte back. */
function requestAndVanish(port: number, request: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(request);
      socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

describe('static web app descriptors', () => {
  it('a client that leaves before the body is written leaves no file open, and the server keeps answering', async () => {
    const root = await mkdtemp(join(tmpdir(), 'confab-static-fd-'));
    const webDir = join(root, 'web');
    await mkdir(join(webDir, 'assets'), { recursive: true });
    // Larger than a socket buffer, so the body cannot all be written before the peer has gone.
    await writeFile(join(webDir, 'index.html'), `<!doctype html><title>app</title>${'<!-- padding -->'.repeat(32 * 1024)}`);
    await writeFile(join(webDir, 'assets', 'app.js'), 'console.log(1)');
    try {
      await withTestServer(
        async (server) => {
          const port = Number(new URL(server.url).port);
          const baseline = (await openFds('self')).length;
          const paths = ['/', '/index.html', '/assets/app.js', '/conversations/conv_1'];
          for (let i = 0; i < 200; i++) await requestAndVanish(port, `GET ${paths[i % paths.length]} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
          await eventually(async () => (await openFds('self', webDir)).length === 0, 5_000, 'files of the web app to be closed').catch(async (error: Error) => {
            throw new Error(`${error.message}: ${(await openFds('self', webDir)).length} still open after 200 abandoned requests`);
          });
          // The sockets close too (a small slack for descriptors the runtime opens lazily).
          await eventually(async () => (await openFds('self')).length <= baseline + 4, 5_000, 'descriptors to return to the baseline');
          const page = await fetch(`${server.url}/`);
          assert.equal(page.status, 200);
          assert.match(await page.text(), /^<!doctype html><title>app<\/title>/);
          assert.equal((await openFds('self', webDir)).length, 0);
        },
        { staticDir: webDir },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('without a web app, abandoned requests for the landing page leave no descriptor behind', async () => {
    await withTestServer(async (server) => {
      const port = Number(new URL(server.url).port);
      const baseline = (await openFds('self')).length;
      for (let i = 0; i < 200; i++) await requestAndVanish(port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await eventually(async () => (await openFds('self')).length <= baseline + 4, 5_000, 'descriptors to return to the baseline');
      assert.equal((await fetch(`${server.url}/`)).status, 200);
    });
  });
});
