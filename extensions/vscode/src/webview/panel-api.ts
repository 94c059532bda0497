import type { HostToPanel, PanelPersistedState, PanelToHost } from '../shared/messages.ts';

declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

/** The page's side of the channel: typed `postMessage` both ways and the state kept across reloads. */
export type PanelApi = {
  post(message: PanelToHost): void;
  onMessage(listener: (message: HostToPanel) => void): () => void;
  getState(): Partial<PanelPersistedState>;
  setState(state: PanelPersistedState): void;
};

function createPanelApi(): PanelApi {
  const vscode = acquireVsCodeApi();
  return {
    post: (message) => vscode.postMessage(message),
    onMessage(listener) {
      const handler = (event: MessageEvent) => {
        const data = event.data as HostToPanel | null;
        if (data && (data.type === 'view' || data.type === 'focus-composer')) listener(data);
      };
      window.addEventListener('message', handler);
      return () => window.removeEventListener('message', handler);
    },
    getState: () => (vscode.getState() as Partial<PanelPersistedState> | undefined) ?? {},
    setState: (state) => vscode.setState(state),
  };
}

export const panelApi: PanelApi = createPanelApi();
