import type { ModelInfo } from '../../domain/records.ts';
import type { SessionHub } from '../../engine/session-hub.ts';

/** What the model listing routes need from the model registry. */
export type ModelCatalog = { list(): ModelInfo[]; defaultModel(): string | undefined };

export type RouteDeps = { hub: SessionHub; models: ModelCatalog; version: string };
