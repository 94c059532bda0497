/**
 * An incremental parser for `text/event-stream` (the WHATWG "event stream interpretation"): feed it
 * decoded text in chunks of any size; it returns each complete message. Lines may end in CRLF, LF
 * or CR (also when a CRLF is split between two chunks); comments (`:`) are skipped; several `data:`
 * lines join with a newline; a message without data is not dispatched but its `id:` still counts.
 */
export type SseMessage = {
  /** `message` unless an `event:` field said otherwise. */
  event: string;
  data: string;
  /** The last event id seen on the stream, as a client sends back in `Last-Event-ID`. */
  lastEventId: string;
  /** The `retry:` field of this message, if it had a valid one. */
  retry?: number;
};

export class SseParser {
  #buffer = '';
  #started = false;
  #skipLineFeed = false;
  #data: string[] = [];
  #event = '';
  #lastEventId = '';
  #retry: number | undefined;

  get lastEventId(): string {
    return this.#lastEventId;
  }

  feed(text: string): SseMessage[] {
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#skipLineFeed && text.startsWith('\n')) text = text.slice(1);
    this.#skipLineFeed = false;
    this.#buffer += text;

    const messages: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const char = this.#buffer.charCodeAt(i);
      if (char !== 0x0a && char !== 0x0d) continue;
      const message = this.#line(this.#buffer.slice(start, i));
      if (message) messages.push(message);
      if (char === 0x0d) {
        if (i + 1 === this.#buffer.length) this.#skipLineFeed = true;
        else if (this.#buffer.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
    }
    this.#buffer = this.#buffer.slice(start);
    return messages;
  }

  /** The stream ended: an unterminated message is discarded, as the spec says. */
  end(): void {
    this.#buffer = '';
    this.#data = [];
    this.#event = '';
    this.#retry = undefined;
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#data.push(value);
        break;
      case 'event':
        this.#event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
    }
    return undefined;
  }

  #dispatch(): SseMessage | undefined {
    const data = this.#data;
    const event = this.#event;
    const retry = this.#retry;
    this.#data = [];
    this.#event = '';
    this.#retry = undefined;
    if (data.length === 0) return undefined;
    return { event: event || 'message', data: data.join('\n'), lastEventId: this.#lastEventId, ...(retry === undefined ? {} : { retry }) };
  }
}
