/**
 * A value made once per key and shared for the rest of the event-loop turn, then forgotten: what
 * fans one event out to every socket that writes it in the same turn (they all flush in the same
 * `setImmediate` phase), without keeping a copy alive for as long as the event itself lives (a
 * conversation keeps its recent events for replays; their wire bytes are cheap to make again).
 */
export function turnCache<K, V>(make: (key: K) => V): (key: K) => V {
  let values: Map<K, V> | undefined;
  return (key) => {
    if (values === undefined) {
      const made = new Map<K, V>();
      values = made;
      // Runs after every callback already queued for this check phase, so the whole fan-out shares one value.
      setImmediate(() => {
        if (values === made) values = undefined;
      });
    }
    let value = values.get(key);
    if (value === undefined) {
      value = make(key);
      values.set(key, value);
    }
    return value;
  };
}
