/**
 * What writing one event frame to a WebSocket costs the server thread: 100 sockets (their client
 * in a child process, reading and dropping), one ~200-byte text frame per socket per event-loop
 * turn, written either through `ws` (`send` inside a cork, as the connection wrote them before) or
 * framed by src/server/ws/text-frames.ts and written to the socket at once; alternating rounds,
 * server thread CPU µs per frame.
 *   node bench/profile/ws-write-cost.ts [--sockets 100] [--turns 3000] [--rounds 3]
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocket, WebSocketServer } from 'ws';
import { textFrames } from '../../src/server/ws/text-frames.ts';

const { values } = parseArgs({ allowPositionals: true, options: { sockets: { type: 'string', default: '100' }, turns: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '3' } } });
const [sockets, turns, rounds] = [values.sockets, values.turns, values.rounds].map(Number) as [number, number, number];

if (process.argv[2] === 'client') {
  for (let n = 0; n < sockets; n++) new WebSocket(process.argv[3]!).on('message', () => {});
} else {
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const open: { ws: WebSocket; socket: Socket }[] = [];
  const connected = new Promise<void>((resolve) =>
    server.on('upgrade', (req, socket: Socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        open.push({ ws, socket });
        if (open.length === sockets) resolve();
      }),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const child = fork(new URL(import.meta.url).pathname, ['client', `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, `--sockets=${sockets}`]);
  await connected;
  const payload = Buffer.from(JSON.stringify({ seq: 1, cursor: 'abcdefgh.1', conversationId: 'conv_abcdefghijklmnop', runId: 'run_abcdefgh', type: 'part-delta', at: Date.now(), data: { messageId: 'msg_abcdefgh', partId: 'p1', delta: ' w12' } }));
  const writers = {
    ws: ({ ws, socket }: { ws: WebSocket; socket: Socket }) => {
      socket.cork();
      ws.send(payload, { binary: false });
      socket.uncork();
    },
    framed: ({ socket }: { socket: Socket }) => socket.write(textFrames([payload])),
  };
  const results: Record<string, number[]> = { ws: [], framed: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? (['ws', 'framed'] as const) : (['framed', 'ws'] as const)) {
      const began = process.threadCpuUsage();
      for (let turn = 0; turn < turns; turn++) {
        for (const connection of open) writers[mode](connection);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const used = process.threadCpuUsage(began);
      results[mode]!.push((used.user + used.system) / (turns * sockets));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  for (const [mode, list] of Object.entries(results)) console.log(JSON.stringify({ mode, sockets, cpuUsPerFrame: list.map((value) => +value.toFixed(2)), median: +median(list).toFixed(2) }));
  child.kill();
  server.close();
  process.exit(0);
}
