/**
 * The fuzz test's clients: one raw HTTP connection per input, one WebSocket session per batch of
 * frames, and a raw WebSocket that sends bytes which are no frames at all. Each returns what it
 * saw and the rule violations found in it (a 5xx, an error that is not JSON, an `internal` error).
 */
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { parseResponses, type RawResponse } from '../support/raw-http.ts';
import type { HttpInput, Random, WsFrameInput } from './fuzz-inputs.ts';

export type HttpOutcome = { statuses: number[]; violations: string[]; closedByServer: boolean; gaveUp: boolean };

/** What every response must satisfy: no 5xx; from 400 on, a JSON `{ error: { code, message } }`. */
export function responseViolations(response: RawResponse, head: boolean): string[] {
  const problems: string[] = [];
  if (response.status >= 500) problems.push(`status ${response.status}: ${response.body.toString('utf8').slice(0, 200)}`);
  if (response.status < 400) return problems;
  if (!response.headers['content-type']?.startsWith('application/json')) problems.push(`status ${response.status} with content-type ${response.headers['content-type']}`);
  if (head) return problems;
  try {
    const error = JSON.parse(response.body.toString('utf8')).error;
    if (typeof error?.code !== 'string' || typeof error?.message !== 'string') problems.push(`status ${response.status} without { error: { code, message } }`);
    else if (error.code === 'internal') problems.push(`internal error: ${error.message}`);
  } catch {
    problems.push(`status ${response.status} with a body that is not JSON: ${JSON.stringify(response.body.toString('latin1').slice(0, 100))}`);
  }
  return problems;
}

/**
 * Splits the bytes into responses. Whether an answer to a request that looked like HEAD has a body
 * depends on whether the server parsed it as HEAD, so the other reading is tried when the first
 * leaves bytes that are no response.
 */
function parseAnswers(bytes: Buffer, head: boolean): { responses: RawResponse[]; rest: Buffer } {
  const first = parseResponses(bytes, head);
  if (!head || first.rest.length === 0 || first.rest.toString('latin1').startsWith('HTTP/1.')) return first;
  const second = parseResponses(bytes, false);
  return second.rest.length < first.rest.length ? second : first;
}

/**
 * Writes the input on a fresh connection and reads until every complete request is answered (an
 * SSE stream counts as answered once its head arrives), the server closes, or `deadlineMs` passes.
 */
export function runHttp(port: number, input: HttpInput, deadlineMs: number): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let closedByServer = false;
    let gaveUp = false;
    const timer = setTimeout(() => {
      gaveUp = true;
      socket.destroy();
    }, deadlineMs);
    const answered = () => {
      const bytes = Buffer.concat(received);
      const { responses, rest } = parseAnswers(bytes, input.head);
      return input.requests > 0 && responses.filter((response) => response.status >= 200).length + (streamOpened(rest) ? 1 : 0) >= input.requests;
    };
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (answered()) socket.destroy();
    });
    socket.on('end', () => (closedByServer = true));
    socket.on('error', () => (closedByServer = true));
    socket.on('close', () => {
      clearTimeout(timer);
      const { responses, rest } = parseAnswers(Buffer.concat(received), input.head);
      const violations = responses.flatMap((response) => responseViolations(response, input.head).map((problem) => `${input.kind}: ${problem}`));
      const text = rest.toString('latin1');
      // What is left must be the start of a response cut short by our deadline (an SSE stream), not stray bytes.
      if (text.length > 0 && !/^HTTP\/1\.1 \d{3} /.test(text)) violations.push(`${input.kind}: bytes that are no response: ${JSON.stringify(text.slice(0, 80))}`);
      const cut = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      if (cut && Number(cut[1]) >= 400 && !gaveUp) violations.push(`${input.kind}: a ${cut[1]} response cut short`);
      // Every complete request is answered, unless an answer said Connection: close (the rest are dropped).
      const answers = responses.filter((response) => response.status >= 200).length + (cut ? 1 : 0);
      const closing = responses.some((response) => response.headers.connection?.toLowerCase() === 'close');
      if (answers < input.requests && !gaveUp && !closing) violations.push(`${input.kind}: ${answers} answers to ${input.requests} requests before the server closed`);
      resolve({ statuses: [...responses.map((response) => response.status), ...(cut ? [Number(cut[1])] : [])], violations, closedByServer, gaveUp });
    });
    socket.once('connect', () => {
      for (const chunk of input.chunks) socket.write(chunk);
      if (input.end) socket.end();
    });
  });
}

/** The head of an SSE response: the stream is open and will not end by itself. */
function streamOpened(rest: Buffer): boolean {
  const end = rest.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = rest.subarray(0, end).toString('latin1');
  return /^HTTP\/1\.1 200 /.test(head) && /\r\ncontent-type: text\/event-stream/i.test(head);
}

export type WsOutcome = { frames: number; errorCodes: string[]; closeCode: number | undefined; violations: string[]; refusedStatus?: number };

const allowedCloseCodes = new Set([1000, 1005, 1008, 1009]);

/**
 * Opens /v1/ws (with the token, or with `auth: 'none'` to be refused), sends the frames, then a
 * last ping, and closes once that ping is answered, the server closes, or `deadlineMs` passes.
 */
export function runWsSession(url: string, token: string, auth: 'header' | 'query' | 'none', frames: WsFrameInput[], deadlineMs: number): Promise<WsOutcome> {
  return new Promise((resolve) => {
    const query = auth === 'query' ? `?token=${encodeURIComponent(token)}` : '';
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws${query}`, { headers: auth === 'header' ? { authorization: `Bearer ${token}` } : {}, maxPayload: 64 * 1024 * 1024 });
    const outcome: WsOutcome = { frames: 0, errorCodes: [], closeCode: undefined, violations: [] };
    const sentHuge = frames.some((frame) => frame.huge);
    const timer = setTimeout(() => socket.terminate(), deadlineMs);
    socket.on('unexpected-response', (_req, res) => {
      outcome.refusedStatus = res.statusCode;
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        outcome.violations.push(...responseViolations({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.from(body) }, false).map((problem) => `ws upgrade: ${problem}`));
        if (auth !== 'none') outcome.violations.push(`ws upgrade with a token refused: ${res.statusCode} ${body}`);
        socket.terminate();
      });
    });
    socket.on('error', () => {});
    socket.on('open', () => {
      for (const frame of frames) socket.send(frame.data, { binary: frame.binary });
      socket.send(JSON.stringify({ type: 'ping', id: 'fuzz-last' }));
    });
    socket.on('message', (data, isBinary) => {
      outcome.frames++;
      let frame: any;
      try {
        if (isBinary) throw new Error('binary');
        frame = JSON.parse(data.toString());
      } catch {
        return void outcome.violations.push(`ws: a server frame that is not JSON text: ${data.toString().slice(0, 80)}`);
      }
      if (frame.type === 'error') {
        outcome.errorCodes.push(frame.error?.code);
        if (typeof frame.error?.code !== 'string' || typeof frame.error?.message !== 'string') outcome.violations.push(`ws: an error frame without code and message: ${JSON.stringify(frame).slice(0, 200)}`);
        if (frame.error?.code === 'internal') outcome.violations.push(`ws: internal error: ${frame.error.message}`);
      }
      if (frame.type === 'pong' && frame.id === 'fuzz-last') socket.close(1000);
    });
    socket.on('close', (code) => {
      clearTimeout(timer);
      if (outcome.refusedStatus === undefined) {
        outcome.closeCode = code;
        if (!allowedCloseCodes.has(code)) outcome.violations.push(`ws: closed with ${code}`);
        if (code === 1009 && !sentHuge) outcome.violations.push('ws: closed with 1009 without a frame over the limit');
      }
      resolve(outcome);
    });
  });
}

/** A valid handshake, then random bytes that are no valid frame; resolves when either side closes. */
export function runWsGarbage(port: number, token: string, random: Random, deadlineMs: number): Promise<{ upgraded: boolean; violations: string[] }> {
  const key = random.bytes(16).toString('base64');
  const garbage = random.bytes(1 + random.int(500));
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    let upgraded = false;
    const timer = setTimeout(() => socket.destroy(), deadlineMs);
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      upgraded = head.startsWith('HTTP/1.1 101 ');
      if (upgraded) socket.write(garbage);
      else socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ upgraded, violations: upgraded ? [] : [`ws garbage: handshake refused: ${head.split('\r\n')[0]}`] });
    });
    socket.once('connect', () => {
      socket.write(`GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`);
    });
  });
}
