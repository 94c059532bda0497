import { useAppState } from '../../lib/app-store.ts';

/** Shown on 401: the cookie is missing or no longer valid, or the sign-in link had a wrong token. */
export function SignedOut() {
  const { invalidSignInLink } = useAppState();
  return (
    <main className="first-run" data-testid="signed-out">
      <div className="first-run-inner">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Confab</span>
        </div>
        <section className="setup-card" aria-labelledby="signed-out-title">
          <h1 id="signed-out-title">Not signed in</h1>
          {invalidSignInLink && (
            <p className="form-error" role="alert" data-testid="invalid-link">
              The link you opened has a token this server does not accept: it is from an older run, another server, or was cut short.
            </p>
          )}
          <p>
            Open the URL that <code>confab serve</code> (or <code>npm start</code>) printed when it started. It looks like this and signs this browser in:
          </p>
          <pre className="setup-command">
            <code>{`${window.location.origin}/?token=…`}</code>
          </pre>
          <p className="muted">
            The token is kept in <code>.confab/token</code> (or <code>CONFAB_TOKEN</code>). Lost the link? Restart the server to print it again.
          </p>
        </section>
      </div>
    </main>
  );
}
