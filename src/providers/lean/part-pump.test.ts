import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { StreamPart } from '../stream-part.ts';
import type { WireReader } from './lean-step-source.ts';
import { PartPump } from './part-pump.ts';

/** A reader that makes one text delta per frame and a finish at the end. */
function deltaReader(out: StreamPart[]): WireReader {
  return {
    frame: (_event, data) => void out.push({ type: 'text-delta', id: 't', delta: data }),
    end: () => void out.push({ type: 'finish', finishReason: 'stop', usage: undefined }),
  };
}

describe('part pump', () => {
  let server: Server;
  let url: string;
  before(async () => {
    // `/many`: 200 frames, written one by one; `/cut`: two frames, then the socket is destroyed.
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.url === '/cut') {
        res.write('data: a\n\ndata: b\n\n', () => res.socket?.destroy());
        return;
      }
      for (let i = 0; i < 200; i++) res.write(`data: ${i}\n\n`);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (path: string) => new Promise<IncomingMessage>((resolve, reject) => request(`${url}${path}`, resolve).on('error', reject).end());

  async function drain(pump: PartPump): Promise<StreamPart[]> {
    const parts: StreamPart[] = [];
    while (true) {
      for (let part = pump.take(); part !== undefined; part = pump.take()) parts.push(part);
      if (pump.failure || pump.ended) return parts;
      await pump.wait();
    }
  }

  test('a consumer that does not take pauses the body at the bound; taking everything resumes it', async () => {
    const body = await get('/many');
    const out: StreamPart[] = [];
    const pump = new PartPump(body, deltaReader(out), out, 10);
    while (!body.isPaused() && !pump.ended) await pump.wait();
    assert.equal(pump.ended, false, 'the body was paused before it ended');
    // The bound is checked per chunk of bytes, so one chunk's frames may go past it.
    assert.ok(out.length >= 10 && out.length < 200, `queued ${out.length}`);
    const parts = await drain(pump);
    assert.equal(parts.length, 201);
    assert.deepEqual(parts.at(-1), { type: 'finish', finishReason: 'stop', usage: undefined });
  });

  test('parts before a socket cut come out, then the failure', async () => {
    const body = await get('/cut');
    const out: StreamPart[] = [];
    const pump = new PartPump(body, deltaReader(out), out);
    const parts = await drain(pump);
    assert.deepEqual(parts.map((part) => (part as { delta: string }).delta), ['a', 'b']);
    assert.equal((pump.failure?.error as { code?: string }).code, 'ECONNRESET');
  });
});
