/**
 * Cuts a server-sent-events byte stream into frames, as the bytes arrive from the socket: no web
 * streams, no text decoder over the whole stream. Lines end in LF, CRLF or a lone CR; `data:`
 * lines of one frame are joined with "\n"; `event:` names the frame; comments (`:`), `id:`,
 * `retry:` and unknown fields are skipped; a blank line ends the frame (a frame without data is
 * not delivered). A frame still open when the stream ends is dropped, as `EventSource` does.
 *
 * Works on bytes: an LF or CR byte never occurs inside a multi-byte UTF-8 sequence, so cutting at
 * them is safe, and only the field values are decoded. Bounded: a line or frame that grows past
 * `maxFrameBytes` throws a `RangeError` (the provider sent something that is not an event stream).
 */
export type FrameHandler = (event: string | undefined, data: string) => void;

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
export const defaultMaxFrameBytes = 8 * 1024 * 1024;

export class SseFrameCutter {
  readonly #onFrame: FrameHandler;
  readonly #maxFrameBytes: number;
  /** Bytes of an unfinished line carried over to the next chunk. */
  #rest: Buffer | undefined;
  #data: string | undefined;
  #dataBytes = 0;
  #event: string | undefined;
  /** The previous chunk ended in CR: an LF starting this one belongs to it. */
  #skipLeadingLF = false;
  #first = true;

  constructor(onFrame: FrameHandler, maxFrameBytes = defaultMaxFrameBytes) {
    this.#onFrame = onFrame;
    this.#maxFrameBytes = maxFrameBytes;
  }

  push(chunk: Buffer): void {
    let buffer = chunk;
    if (this.#rest !== undefined) {
      buffer = Buffer.concat([this.#rest, chunk]);
      this.#rest = undefined;
    }
    let start = 0;
    if (this.#first) {
      this.#first = false;
      if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) start = 3; // byte order mark
    }
    if (this.#skipLeadingLF) {
      this.#skipLeadingLF = false;
      if (buffer[start] === LF) start++;
    }
    const length = buffer.length;
    // The next CR and LF at or after `start`, each searched again only once passed: linear per chunk.
    let lf = buffer.indexOf(LF, start);
    let cr = buffer.indexOf(CR, start);
    while (start < length) {
      if (lf !== -1 && lf < start) lf = buffer.indexOf(LF, start);
      if (cr !== -1 && cr < start) cr = buffer.indexOf(CR, start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        if (cr === length - 1) {
          // CR at the very end: the line is complete; an LF may follow in the next chunk.
          this.#line(buffer, start, cr);
          this.#skipLeadingLF = true;
          return;
        }
        end = cr;
        next = buffer[cr + 1] === LF ? cr + 2 : cr + 1;
      } else if (lf === -1) {
        break;
      } else {
        end = lf;
        next = lf + 1;
      }
      this.#line(buffer, start, end);
      start = next;
    }
    if (start < length) {
      if (length - start + this.#dataBytes > this.#maxFrameBytes) throw new RangeError(`server-sent event larger than ${this.#maxFrameBytes} bytes`);
      this.#rest = buffer.subarray(start);
    }
  }

  /** The stream ended: an unfinished frame is dropped. */
  end(): void {
    this.#rest = undefined;
    this.#data = undefined;
    this.#dataBytes = 0;
    this.#event = undefined;
  }

  #line(buffer: Buffer, start: number, end: number): void {
    if (start === end) {
      const data = this.#data;
      const event = this.#event;
      this.#data = undefined;
      this.#dataBytes = 0;
      this.#event = undefined;
      if (data !== undefined) this.#onFrame(event, data);
      return;
    }
    const first = buffer[start];
    if (first === COLON) return; // comment
    let colon = -1;
    for (let i = start; i < end; i++) {
      if (buffer[i] === COLON) {
        colon = i;
        break;
      }
    }
    const nameEnd = colon === -1 ? end : colon;
    let valueStart = colon === -1 ? end : colon + 1;
    if (valueStart < end && buffer[valueStart] === SPACE) valueStart++;
    const nameLength = nameEnd - start;
    if (nameLength === 4 && first === 100 && buffer[start + 1] === 97 && buffer[start + 2] === 116 && buffer[start + 3] === 97) {
      const value = buffer.toString('utf8', valueStart, end);
      this.#dataBytes += end - valueStart;
      if (this.#dataBytes > this.#maxFrameBytes) throw new RangeError(`server-sent event larger than ${this.#maxFrameBytes} bytes`);
      this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
    } else if (nameLength === 5 && buffer.toString('latin1', start, nameEnd) === 'event') {
      this.#event = valueStart < end ? buffer.toString('utf8', valueStart, end) : undefined;
    }
  }
}
