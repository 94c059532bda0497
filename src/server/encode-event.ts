import type { ConfabEvent } from '../events/definitions.ts';

const encoded = new WeakMap<ConfabEvent, string>();

/**
 * The event's JSON, computed once per event object: the hub pushes the same object to every
 * subscriber, so every SSE stream and WebSocket watching a conversation shares one string.
 */
export function encodeEvent(event: ConfabEvent): string {
  let json = encoded.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    encoded.set(event, json);
  }
  return json;
}
