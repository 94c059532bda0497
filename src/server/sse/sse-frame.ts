import type { ConfabEvent } from '../../events/definitions.ts';
import { encodeEvent } from '../encode-event.ts';
import { turnCache } from '../../util/turn-cache.ts';

/** Sent once, first: how long EventSource waits before reconnecting. */
export const sseRetryFrame = 'retry: 1000\n\n';
export const sseKeepAliveFrame = ': keep-alive\n\n';

/**
 * `id: <cursor>\ndata: <event JSON>\n\n`, built once per event in a turn and shared by every stream
 * writing it then. There is no `event:` line, so `EventSource.onmessage` receives every event; the
 * type is inside the JSON. Cursors and JSON hold no line breaks (JSON.stringify escapes them), so
 * each frame is exactly two lines.
 */
export const sseFrame = turnCache((event: ConfabEvent) => `id: ${event.cursor}\ndata: ${encodeEvent(event)}\n\n`);
