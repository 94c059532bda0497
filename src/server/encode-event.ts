/** The wire encoding lives with the events, so a durable log can build it once for both. */
export { encodeEvent } from '../events/encoded-event.ts';
