/**
 * Seeded generators for the fuzz test (fuzz.test.ts): raw HTTP requests, well-formed or not, and
 * WebSocket frames for /v1/ws. The same seed gives the same inputs, so a failure can be replayed.
 */

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }

  /** Characters from `alphabet`, or printable ASCII. */
  text(length: number, alphabet = ''): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet ? alphabet[this.int(alphabet.length)] : String.fromCharCode(32 + this.int(95));
    return out;
  }
}

/** The generator for input `index` of a run: each input can be replayed alone from (seed, index). */
export function inputRandom(seed: number, index: number): Random {
  return new Random(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

export type FuzzTarget = { token: string; conversationId: string; projectDir: string; assets: string[] };

export type HttpInput = {
  /** What to write, in order. */
  chunks: Buffer[];
  /** Complete requests in `chunks`: answers to wait for before closing. 0: wait for the server to close. */
  requests: number;
  head: boolean;
  /** Half-close after writing (a client that vanished mid-request); else keep the socket open. */
  end: boolean;
  kind: string;
};

const tokenChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
const methods = ['GET', 'POST', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PUT', 'TRACE'];

/** A route (with the method it takes) or a path no route has; conversations and projects known or not. */
function someRoute(random: Random, target: FuzzTarget): [string, string] {
  const conversation = `/v1/conversations/${random.chance(0.7) ? target.conversationId : `conv_${random.text(random.int(20), tokenChars)}`}`;
  const project = `/v1/projects/${random.chance(0.2) ? 'demo' : `p${random.int(50)}`}`;
  const routes: [string, string][] = [
    ['GET', '/'], ['GET', '/index.html'], ['GET', random.pick(target.assets)], ['GET', '/conversations/x'], ['GET', '/v1/health'],
    ['GET', '/v1/models'], ['GET', '/v1/sessions'], ['GET', '/v1/projects'], ['POST', '/v1/projects'], ['GET', project],
    ['DELETE', `/v1/projects/p${random.int(50)}`], ['GET', '/v1/conversations'], ['POST', '/v1/conversations'], ['GET', conversation],
    ['PATCH', conversation], ['DELETE', `/v1/conversations/conv_${random.text(8, tokenChars)}`], ['POST', `${conversation}/messages`],
    ['POST', `${conversation}/messages`], ['POST', `${conversation}/messages`], ['POST', `${conversation}/stop`],
    ['POST', `${conversation}/continue`], ['GET', `${conversation}/events`], ['GET', '/v1/ws'], ['GET', '/v1'], ['GET', '/v1/'],
    ['GET', '/../etc/passwd'], ['GET', '/%2e%2e/%2e%2e/etc/passwd'], ['GET', '/v1/projects/%E0%A4%A'],
    ['GET', `/${random.text(random.int(300), tokenChars + '%./~')}`],
  ];
  let [method, path] = random.pick(routes);
  if (random.chance(0.3)) method = random.chance(0.1) ? random.text(1 + random.int(10), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') : random.pick(methods);
  if (random.chance(0.25)) {
    const params = ['limit', 'before', 'project', 'after', 'token', random.text(5, tokenChars)];
    const values = ['1', '0', '-1', '201', 'abc', '', 'demo', `${Number.MAX_SAFE_INTEGER}9`, random.text(random.int(40))];
    path += `?${random.pick(params)}=${encodeURIComponent(random.pick(values))}`;
  }
  return [method, path];
}

function someBody(random: Random, path: string, target: FuzzTarget): string | Buffer {
  const roll = random.next();
  if (roll < 0.1) return '';
  if (roll < 0.2) return random.bytes(random.int(200));
  if (roll < 0.3) return JSON.stringify(randomJson(random, 4)).slice(0, random.chance(0.3) ? random.int(50) : undefined);
  if (roll < 0.303) return JSON.stringify({ content: 'x'.repeat(1024 * 1024 + random.int(1000)) });
  const longText = () => (random.chance(0.05) ? 'y'.repeat(100_001) : random.text(random.int(60)));
  if (path.endsWith('/messages')) return JSON.stringify({ content: longText(), onBusy: random.pick([undefined, undefined, 'enqueue', 'reject', 'interrupt', 'later', 3]) });
  if (path.endsWith('/stop')) return JSON.stringify(random.chance(0.5) ? {} : { runId: random.pick(['run_x', '', 7]) });
  if (path.startsWith('/v1/projects')) return JSON.stringify({ name: random.pick([`p${random.int(50)}`, '', '../x', 'a'.repeat(65), 5]), path: random.pick([target.projectDir, '/nonexistent', '', '.']) });
  if (path.startsWith('/v1/conversations')) {
    return JSON.stringify({ projectName: random.pick(['demo', 'nope', '']), title: longText(), model: random.pick([undefined, 'fake/m1', 'x/y', '']), busyPolicy: random.pick([undefined, 'enqueue', 'reject', 'wrong']), systemPrompt: random.chance(0.1) ? 'z'.repeat(20_001) : undefined });
  }
  return JSON.stringify(randomJson(random, 3));
}

export function randomJson(random: Random, depth: number): unknown {
  const roll = random.int(depth <= 0 ? 5 : 7);
  if (roll === 0) return null;
  if (roll === 1) return random.chance(0.5);
  if (roll === 2) return random.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, random.int(1000)]);
  if (roll === 3) return random.text(random.int(30));
  if (roll === 4) return random.pick(['subscribe', 'send', 'conv_x', '', '\u0000', '\ud800']);
  if (roll === 5) return Array.from({ length: random.int(4) }, () => randomJson(random, depth - 1));
  const object: Record<string, unknown> = {};
  for (let i = random.int(5); i > 0; i--) object[random.pick(['type', 'id', 'conversationId', 'content', 'after', 'runId', '__proto__', random.text(6, tokenChars)])] = randomJson(random, depth - 1);
  return object;
}

function wellFormed(random: Random, target: FuzzTarget): { bytes: Buffer; head: boolean } {
  let [method, path] = someRoute(random, target);
  const headers: string[] = [];
  if (random.chance(0.97)) headers.push('Host: 127.0.0.1');
  const auth = random.next();
  if (auth < 0.5) headers.push(`Authorization: Bearer ${target.token}`);
  else if (auth < 0.58) headers.push(`Authorization: ${random.pick(['Bearer wrong', 'Bearer', 'Basic dXNlcjpwYXNz', `bearer  ${target.token} `, random.text(20)])}`);
  else if (auth < 0.65) headers.push(`Cookie: confab_token=${random.chance(0.8) ? target.token : 'nope'}; other=1`);
  else if (auth < 0.72) path += `${path.includes('?') ? '&' : '?'}token=${random.chance(0.8) ? target.token : 'nope'}`;
  if (random.chance(0.1)) headers.push(`Origin: ${random.pick(['http://127.0.0.1', 'http://evil.example', 'null', random.text(10)])}`);
  if (random.chance(0.05)) headers.push(`Last-Event-ID: ${random.text(random.int(30))}`);
  if (random.chance(0.03)) headers.push(`Expect: ${random.pick(['100-continue', 'teapot'])}`);
  for (let i = random.chance(0.3) ? random.int(5) : 0; i > 0; i--) headers.push(`${random.text(1 + random.int(12), tokenChars)}: ${random.text(random.int(40))}`);
  let body: string | Buffer = '';
  if (method !== 'GET' && method !== 'HEAD' && random.chance(0.9)) {
    body = someBody(random, path, target);
    if (random.chance(0.9)) headers.push('Content-Type: application/json');
  }
  const bodyBytes = Buffer.from(body);
  if (bodyBytes.length > 0 || random.chance(0.2)) headers.push(`Content-Length: ${bodyBytes.length}`);
  if (random.chance(0.02)) method = method.toLowerCase();
  const head = Buffer.from(`${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1');
  return { bytes: Buffer.concat([head, bodyBytes]), head: method === 'HEAD' };
}

/** One connection's worth of input: mostly plausible requests, then their broken relatives. */
export function httpInput(random: Random, target: FuzzTarget): HttpInput {
  const roll = random.next();
  const request = wellFormed(random, target);
  // `head` is a hint for reading the answer: the bytes may still be parsed as a HEAD request.
  const single = (kind: string, bytes: Buffer, requests = 1, end = false): HttpInput => ({ chunks: [bytes], requests, head: bytes.subarray(0, 5).toString('latin1') === 'HEAD ', end, kind });
  // Some clients half-close once the request is sent; they are owed the answer all the same.
  if (roll < 0.55) return single('request', request.bytes, 1, random.chance(0.2));
  if (roll < 0.65) {
    const cut = request.bytes.subarray(0, random.int(request.bytes.length));
    return single('truncated', cut, 0, random.chance(0.85));
  }
  if (roll < 0.73) return single('garbage', random.bytes(1 + random.int(2000)), 0, true);
  if (roll < 0.8) {
    const bytes = Buffer.from(request.bytes);
    for (let i = 1 + random.int(4); i > 0; i--) bytes[random.int(Math.min(bytes.length, 200))] = random.int(256);
    return single('mutated', bytes, 0, true);
  }
  if (roll < 0.85) {
    const more = wellFormed(random, target);
    // Answers to HEAD have no body, so a pipeline mixing HEAD with others is not parsed here.
    if (request.head || more.head) return single('request', request.bytes);
    return { chunks: [request.bytes, more.bytes], requests: 2, head: false, end: false, kind: 'pipelined' };
  }
  if (roll < 0.9) {
    const text = request.bytes.toString('latin1').replace('\r\n', `\r\nX-Big: ${'b'.repeat(17_000 + random.int(20_000))}\r\n`);
    return single('oversized-headers', Buffer.from(text, 'latin1'), 0, true);
  }
  if (roll < 0.95) {
    const lines = `POST /v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${target.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const body = JSON.stringify({ name: `p${random.int(50)}`, path: target.projectDir });
    if (random.chance(0.5)) return single('chunked', Buffer.from(`${lines}${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`), 1, random.chance(0.5));
    const broken = `${random.pick(['zz', '-1', 'ffffffffffffff', '5;' + 'e'.repeat(20_000)])}\r\n${body}\r\n`;
    return single('chunked', Buffer.from(lines + broken), 0, true);
  }
  const length = random.pick(['-1', 'abc', '1e3', '99999999999999999999', '5, 6', `${request.bytes.length + 50}`]);
  const text = request.bytes.toString('latin1').replace(/\r\nContent-Length: \d+|\r\n\r\n/, (match) => `\r\nContent-Length: ${length}${match.startsWith('\r\n\r\n') ? '\r\n\r\n' : ''}`);
  return single('bad-content-length', Buffer.from(text, 'latin1'), 0, true);
}

export type WsFrameInput = { data: string | Buffer; binary: boolean; huge: boolean };

/** One frame for /v1/ws: a valid command, a wrong one, or bytes that are no command at all. */
export function wsFrame(random: Random, target: FuzzTarget, maxPayloadBytes: number): WsFrameInput {
  const roll = random.next();
  const id = random.pick([undefined, random.int(1e6), `id-${random.int(1e6)}`, { no: 1 }, 'i'.repeat(201)]);
  const conversationId = random.chance(0.7) ? target.conversationId : random.pick(['conv_missing', '', 5, null]);
  const text = (value: unknown): WsFrameInput => ({ data: JSON.stringify(value), binary: false, huge: false });
  if (roll < 0.45) {
    const frames: Record<string, unknown>[] = [
      { type: 'subscribe', id, conversationId, after: random.pick([undefined, null, 'x.1', `${random.text(8, tokenChars)}.${random.int(100)}`, 3]) },
      { type: 'unsubscribe', id, conversationId },
      { type: 'send', id, conversationId, content: random.text(random.int(40)), onBusy: random.pick([undefined, 'enqueue', 'reject']) },
      { type: 'stop', id, conversationId },
      { type: 'continue', id, conversationId },
      { type: 'ping', id },
    ];
    return text(random.pick(frames));
  }
  if (roll < 0.6) return text({ type: random.pick(['subscribe', 'send', 'stop', 'ping']), id, conversationId: randomJson(random, 2), content: randomJson(random, 2), after: randomJson(random, 1) });
  if (roll < 0.7) return text({ type: random.pick(['hello', 'SUBSCRIBE', '', 'constructor', '__proto__', random.text(8, tokenChars)]), id });
  if (roll < 0.8) return { data: JSON.stringify(randomJson(random, 3)).slice(0, random.chance(0.5) ? random.int(40) : undefined), binary: false, huge: false };
  if (roll < 0.88) return { data: random.text(random.int(200)), binary: false, huge: false };
  if (roll < 0.96) return { data: random.bytes(random.int(300)), binary: true, huge: false };
  if (roll < 0.985) return { data: `${'['.repeat(5_000 + random.int(50_000))}`, binary: false, huge: false };
  return { data: Buffer.alloc(maxPayloadBytes + 1 + random.int(1000), 0x61), binary: random.chance(0.5), huge: true };
}
