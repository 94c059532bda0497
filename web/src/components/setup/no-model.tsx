import { appStore } from '../../lib/app-store.ts';
import { Icon } from '../common/icon.tsx';

/** First-run help when the server has no model: what to set, and where. */
export function NoModel({ compact }: { compact?: boolean }) {
  return (
    <section className={compact ? 'setup-card setup-compact' : 'setup-card'} aria-labelledby="no-model-title" data-testid="no-model">
      <div className="setup-icon" aria-hidden="true">
        <Icon name="key" size={22} />
      </div>
      <h2 id="no-model-title">Connect a model to start chatting</h2>
      <p>Confab has no AI provider configured. Set one of these before starting the server, then restart it:</p>
      <table className="setup-table">
        <tbody>
          <tr>
            <td><code>OPENAI_API_KEY</code></td>
            <td>OpenAI models</td>
          </tr>
          <tr>
            <td><code>ANTHROPIC_API_KEY</code></td>
            <td>Anthropic (Claude) models</td>
          </tr>
          <tr>
            <td><code>OLLAMA_HOST</code></td>
            <td>a local Ollama, e.g. <code>http://127.0.0.1:11434</code></td>
          </tr>
        </tbody>
      </table>
      {!compact && (
        <>
          <p>For example:</p>
          <pre className="setup-command">
            <code>OPENAI_API_KEY=sk-… npm start</code>
          </pre>
          <p>
            Or describe providers, models and prices in a JSON config file and start with <code>confab serve --config confab.json</code> (or set <code>CONFAB_CONFIG</code>); see <code>docs/configuration.md</code>.
          </p>
        </>
      )}
      <button type="button" className="button" onClick={() => void appStore.poll()}>
        Check again
      </button>
    </section>
  );
}
