/** Worker-thread entry for search_text: runs `searchFiles` and reports back over the port. */
import { parentPort, workerData } from 'node:worker_threads';
import { DescriptorLedger } from './anchored-walk.ts';
import { searchFiles } from './text-search.ts';
import type { SearchMatch, SearchRequest, SearchSummary } from './text-search.ts';

export type SearchWorkerData = { request: SearchRequest; ledger: SharedArrayBuffer };

export type SearchWorkerMessage =
  | { type: 'started' }
  | { type: 'matches'; matches: SearchMatch[] }
  | { type: 'done'; summary: SearchSummary };

const port = parentPort;
if (port) {
  const { request, ledger } = workerData as SearchWorkerData;
  const post = (message: SearchWorkerMessage) => port.postMessage(message);
  post({ type: 'started' });
  const summary = searchFiles(request, (matches) => post({ type: 'matches', matches }), new DescriptorLedger(ledger));
  post({ type: 'done', summary });
}
