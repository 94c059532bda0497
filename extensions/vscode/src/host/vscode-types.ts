/**
 * The editor API as this extension's modules receive it: `extension.ts` passes the real module,
 * unit tests a stand-in (`testing/fake-vscode.ts`). Only types are imported here, so the modules
 * load in plain Node.
 */
export type Vscode = typeof import('vscode');
export type * as api from 'vscode';
