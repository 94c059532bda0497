import type { ModelInfo } from '../../domain/records.ts';
import type { WorkerDirectory } from '../../workers/worker-directory.ts';
import type { SessionHub } from '../../engine/session-hub.ts';

/** What the model listing routes need from the model registry. */
export type ModelCatalog = { list(): ModelInfo[]; defaultModel(): string | undefined };

/** `workers`: the machine workers (`src/workers/`), when the server accepts them. */
export type RouteDeps = { hub: SessionHub; models: ModelCatalog; version: string; workers?: WorkerDirectory };
