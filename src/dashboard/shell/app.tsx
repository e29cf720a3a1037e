import { useEffect, useState } from 'preact/hooks';
import { onSignedOut } from '../lib/api.ts';
import { type ConnectionState, connectionState, onConnectionChange } from '../lib/connection.ts';
import { pages } from '../pages/index.ts';
import { Outlet } from './outlet.tsx';
import { useLocation } from './router.ts';
import { currentSession, type Identity, signOut } from './session.ts';
import { SignIn } from './sign-in.tsx';

function useConnection(): ConnectionState {
  const [state, setState] = useState(connectionState);
  useEffect(() => onConnectionChange(setState), []);
  return state;
}

/**
 * The dashboard's frame: sign-in until there is a session, then the navigation (the pages the
 * role may open), who is signed in, the connection's state and the page the fragment names.
 */
export function App() {
  const [who, setWho] = useState<Identity | null | undefined>(undefined);
  const [startError, setStartError] = useState<string | null>(null);
  // Signed in on this document's sign-in form, rather than with a session it found at load.
  const [signedInHere, setSignedInHere] = useState(false);
  const location = useLocation();
  const connection = useConnection();

  useEffect(() => {
    currentSession()
      .then(setWho)
      .catch((error: unknown) => setStartError(String((error as Error).message ?? error)));
    return onSignedOut(() => setWho(null));
  }, []);

  if (who === undefined) {
    return (
      <main id="main" class="sign-in">
        <h1>Vigil</h1>
        {startError === null ? (
          <p aria-busy="true">Loading…</p>
        ) : (
          <p class="error" role="alert">
            {startError}
          </p>
        )}
      </main>
    );
  }
  if (who === null) {
    return (
      <SignIn
        onSignedIn={(identity) => {
          setSignedInHere(true);
          setWho(identity);
        }}
        linkUsed={location.query.get('link') === 'used-or-expired'}
      />
    );
  }

  const visible = pages
    .filter((page) => page.nav !== undefined)
    .filter((page) => page.roles === undefined || page.roles.includes(who.role) || who.role === 'admin')
    .sort((a, b) => (a.nav?.order ?? 0) - (b.nav?.order ?? 0));
  const section = `/${location.path.split('/')[1] ?? ''}`;

  async function end(): Promise<void> {
    await signOut().catch(() => {});
    setWho(null);
  }

  return (
    <div class="frame">
      {/* A button, not a link: the fragment holds the page, so #main would be a page. */}
      <button
        type="button"
        class="skip"
        onClick={() => document.getElementById('main')?.querySelector<HTMLElement>('h1')?.focus()}
      >
        Skip to content
      </button>
      <header class="top">
        <a class="brand" href="#/">
          Vigil
        </a>
        <span class={`connection ${connection}`} role="status" aria-live="polite">
          {connection === 'connected' ? 'Live' : 'Reconnecting…'}
        </span>
        <span class="who">
          {who.role}
          {who.tenant !== null && ` · ${who.tenant}`}
          {who.operator !== null && ` · ${who.operator}`}
        </span>
        <button type="button" class="link" onClick={end}>
          Sign out
        </button>
      </header>
      <nav aria-label="Pages">
        <ul>
          {visible.map((page) => (
            <li key={page.path}>
              <a
                href={`#${page.path}`}
                aria-current={
                  section === page.path || (page.path === '/' && location.path === '/') ? 'page' : undefined
                }
              >
                {page.nav?.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet pages={pages} path={location.path} query={location.query} who={who} focusFirst={signedInHere} />
    </div>
  );
}
