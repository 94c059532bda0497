/**
 * The upstream in its own process (its CPU must not be charged to the server under test):
 * `node bench/upstream/upstream-process.ts [port]`. Prints `upstream listening on <url>` and, when
 * forked, also sends `{ type: 'ready', url }` over IPC. Exits on SIGTERM or when the parent goes away.
 */
import { startRateUpstream } from './rate-upstream.ts';

const upstream = await startRateUpstream(Number(process.argv[2] ?? 0));
process.stdout.write(`upstream listening on ${upstream.url}\n`);
process.send?.({ type: 'ready', url: upstream.url });

const stop = () => void upstream.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
