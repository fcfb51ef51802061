import { useCallback, useState } from 'react';
import { RedocStandalone } from 'redoc';
import type { RedocRawOptions } from 'redoc';
import { ErrorState, Spinner } from '../components/States';

/** The instance's own OpenAPI document: public, same origin (connect-src 'self'). */
export const SPEC_URL = '/api/v1/openapi.yaml';

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const MONO = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";

/**
 * Redoc's options, chosen for the shipped CSP and for what the page is for (reading):
 * - disableSearch: Redoc's search index runs in a Web Worker created from a blob: URL,
 *   which `script-src 'self'` forbids; the browser's own find (Ctrl+F) searches the page.
 * - Redoc has no "try it out", so nothing asks for or stores a token.
 * - System fonts only (nothing downloaded), maplat's primary colour, native scrollbars.
 */
export const REDOC_OPTIONS: RedocRawOptions = {
  disableSearch: true,
  hideLoading: true,
  nativeScrollbars: true,
  scrollYOffset: 56, // the sticky topbar (--topbar-h)
  // responses collapsed, samples one level deep: a lighter page (every operation is rendered)
  expandResponses: '',
  jsonSampleExpandLevel: 1,
  theme: {
    colors: { primary: { main: '#1d4ed8' } },
    typography: {
      fontFamily: FONT,
      fontSize: '15px',
      headings: { fontFamily: FONT },
      code: { fontFamily: MONO },
    },
    sidebar: { width: '260px' },
  },
};

/** The browsable API reference: a header back to the app, then Redoc on the OpenAPI document. */
export function ApiReference() {
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<{ status: 'loading' | 'ready' } | { status: 'error'; error: Error }>({
    status: 'loading',
  });

  const onLoaded = useCallback((error?: Error) => {
    setState(error ? { status: 'error', error } : { status: 'ready' });
  }, []);

  const retry = () => {
    setState({ status: 'loading' });
    setAttempt((n) => n + 1);
  };

  return (
    <div className="apiref">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar apiref-topbar">
        <a href="/" className="brand" aria-label="maplat home">
          <span className="brand-mark" aria-hidden="true">
            m
          </span>
          <span>maplat</span>
        </a>
        <span className="apiref-title">API reference</span>
        <a className="apiref-spec-link" href={SPEC_URL}>
          OpenAPI document<span className="apiref-spec-ext"> (YAML)</span>
        </a>
      </header>
      <main id="main" tabIndex={-1} className="apiref-main" aria-busy={state.status === 'loading'}>
        {state.status === 'loading' ? <Spinner label="Loading the API reference" /> : null}
        {state.status === 'error' ? (
          <div className="apiref-error">
            <ErrorState title="The API reference could not be loaded" error={state.error} onRetry={retry} />
          </div>
        ) : (
          <RedocStandalone key={attempt} specUrl={SPEC_URL} options={REDOC_OPTIONS} onLoaded={onLoaded} />
        )}
      </main>
    </div>
  );
}
