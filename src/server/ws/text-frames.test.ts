import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { textFrames } from './text-frames.ts';

it('each frame is FIN + text opcode, unmasked, with the length in 7, 16 or 64 bits (RFC 6455 §5.2), then the payload', () => {
  const cases: [number, number[]][] = [
    [0, [0x81, 0]],
    [125, [0x81, 125]],
    [126, [0x81, 126, 0, 126]],
    [65_535, [0x81, 126, 0xff, 0xff]],
    [65_536, [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]],
  ];
  for (const [length, header] of cases) {
    const payload = Buffer.alloc(length, 'x');
    assert.deepEqual(textFrames([payload]), Buffer.concat([Buffer.from(header), payload]), `length ${length}`);
  }
  const [a, b] = [Buffer.from('{"a":1}'), Buffer.from('é')];
  assert.deepEqual(textFrames([a, b]), Buffer.concat([Buffer.from([0x81, a.length]), a, Buffer.from([0x81, b.length]), b]));
  assert.equal(textFrames([]).length, 0);
});

it('a ws client reads a batch written to the upgraded socket as the same messages, in order', async () => {
  const messages = ['{"seq":1}', 'x'.repeat(300), '{"delta":"hé 🎉"}', 'y'.repeat(70_000)];
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => socket.write(textFrames(messages.map((text) => Buffer.from(text))))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const received: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      client.on('error', reject);
      client.on('message', (data, isBinary) => {
        received.push(`${isBinary}:${String(data)}`);
        if (received.length === messages.length) resolve();
      });
    });
  } finally {
    client.terminate();
    server.close();
  }
  assert.deepEqual(received, messages.map((text) => `false:${text}`));
});
