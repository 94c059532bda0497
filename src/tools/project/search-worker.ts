/** Worker-thread entry for search_text: runs `searchFiles` and reports back over the port. */
import { parentPort, workerData } from 'node:worker_threads';
import { searchFiles } from './text-search.ts';
import type { SearchMatch, SearchRequest, SearchSummary } from './text-search.ts';

export type SearchWorkerMessage =
  | { type: 'started' }
  | { type: 'matches'; matches: SearchMatch[] }
  | { type: 'done'; summary: SearchSummary };

const port = parentPort;
if (port) {
  const post = (message: SearchWorkerMessage) => port.postMessage(message);
  post({ type: 'started' });
  const summary = searchFiles(workerData as SearchRequest, (matches) => post({ type: 'matches', matches }));
  post({ type: 'done', summary });
}
