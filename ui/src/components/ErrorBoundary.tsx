import { Component } from 'react';
import type { ErrorInfo, ReactNode } from 'react';

interface State {
  error: Error | null;
}

/** A broken screen shows a message and a way back instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.warn('maplat: a screen failed to render', error, info.componentStack);
  }

  componentDidUpdate(prev: { resetKey?: string }): void {
    if (this.state.error && prev.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  render() {
    if (!this.state.error) return this.props.children;
    const chunk = /dynamically imported module|Loading chunk/i.test(this.state.error.message);
    return (
      <div className="error-state" role="alert">
        <div>
          <p className="error-title">{chunk ? 'maplat has been updated' : 'Something went wrong on this screen'}</p>
          <p className="error-detail">
            {chunk
              ? 'A newer version is available. Reload the page to continue.'
              : 'The problem has been noted. Reload the page, or go back to the dashboard.'}
          </p>
          <div className="row-gap">
            <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
              Reload
            </button>
            <a className="btn btn-secondary" href="/">
              Go to the dashboard
            </a>
          </div>
        </div>
      </div>
    );
  }
}
