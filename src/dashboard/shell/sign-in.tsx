import { useState } from 'preact/hooks';
import { ApiError } from '../lib/api.ts';
import { type Identity, signIn } from './session.ts';

/** The sign-in form: an API key, exchanged for a session cookie; the key is not kept. */
export function SignIn({ onSignedIn, linkUsed }: { onSignedIn: (who: Identity) => void; linkUsed: boolean }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(key.trim()));
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401
          ? 'That key is unknown or revoked.'
          : `Could not sign in: ${(failure as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in" id="main">
      <h1>Vigil</h1>
      <p>Sign in with an API key. The browser keeps a session, not the key.</p>
      {linkUsed && (
        <p class="notice" role="status">
          That sign-in link was used already or has expired. Sign in with a key, or ask vigil up for a new
          link.
        </p>
      )}
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(event) => setKey((event.target as HTMLInputElement).value)}
          aria-describedby={error === null ? undefined : 'sign-in-error'}
        />
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error !== null && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
