import type { ConfabEvent } from '../../events/definitions.ts';
import { encodeEvent } from '../encode-event.ts';

/** Sent once, first: how long EventSource waits before reconnecting. */
export const sseRetryFrame = 'retry: 1000\n\n';
export const sseKeepAliveFrame = ': keep-alive\n\n';

const frames = new WeakMap<ConfabEvent, string>();

/**
 * `id: <cursor>\ndata: <event JSON>\n\n`, built once per event. There is no `event:` line, so
 * `EventSource.onmessage` receives every event; the type is inside the JSON. Cursors and JSON hold
 * no line breaks (JSON.stringify escapes them), so each frame is exactly two lines.
 */
export function sseFrame(event: ConfabEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `id: ${event.cursor}\ndata: ${encodeEvent(event)}\n\n`;
    frames.set(event, frame);
  }
  return frame;
}
