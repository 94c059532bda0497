import type { ConfabEvent } from './definitions.ts';

const encoded = new WeakMap<ConfabEvent, string>();

/**
 * The event's JSON, computed once per event object: the hub pushes the same object to every
 * subscriber, so every SSE stream and WebSocket watching a conversation shares one string, and a
 * durable log that already built the string (journal-event-log.ts) hands it over here.
 */
export function encodeEvent(event: ConfabEvent): string {
  let json = encoded.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    encoded.set(event, json);
  }
  return json;
}

/** Records `json` as the encoding of `event`; it must be exactly `JSON.stringify(event)`. */
export function rememberEncoding(event: ConfabEvent, json: string): void {
  encoded.set(event, json);
}
