/** Listed, never descended into or searched: their contents drown everything else. */
export const opaqueDirectories: ReadonlySet<string> = new Set(['.git', 'node_modules']);
