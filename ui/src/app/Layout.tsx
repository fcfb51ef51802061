import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useAuth, useUser } from '../lib/auth';
import { roleLabel } from '../lib/enums';
import { Icon } from '../components/Icon';
import type { IconName } from '../components/Icon';
import { ErrorBoundary } from '../components/ErrorBoundary';

export const NAV: readonly { to: string; label: string; icon: IconName }[] = [
  { to: '/', label: 'Dashboard', icon: 'dashboard' },
  { to: '/deals', label: 'Deals', icon: 'deals' },
  { to: '/prospects', label: 'Prospects', icon: 'prospects' },
  { to: '/tasks', label: 'Tasks', icon: 'tasks' },
  { to: '/documents', label: 'Documents', icon: 'documents' },
  { to: '/team', label: 'Team', icon: 'team' },
];

/** The frame of every signed-in screen: skip link, header, navigation, main. */
export function Layout() {
  const user = useUser();
  const { logout } = useAuth();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const mainRef = useRef<HTMLElement>(null);

  // A new screen: close the phone menu and move focus to the content, as a page load would.
  const first = useRef(true);
  useEffect(() => {
    setMenuOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
  }, [location.pathname]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="icon-btn menu-button"
          aria-label="Menu"
          aria-expanded={menuOpen}
          aria-controls="primary-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          <Icon name={menuOpen ? 'close' : 'menu'} size={22} />
        </button>
        <NavLink to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            m
          </span>
          <span>maplat</span>
        </NavLink>
        <div className="topbar-user">
          <span className="user-name">
            {user.first_name} {user.last_name}
            <span className="user-role">{roleLabel(user.role)}</span>
          </span>
          <NavLink to="/account" className="btn btn-ghost btn-sm topbar-account">
            <Icon name="user" size={16} /> <span className="topbar-account-label">Account</span>
          </NavLink>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => void logout()}>
            <Icon name="logout" size={16} /> Sign out
          </button>
        </div>
      </header>
      <div className="shell">
        <nav id="primary-nav" className={`sidenav${menuOpen ? ' open' : ''}`} aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.to === '/'}>
                  <Icon name={item.icon} />
                  <span>{item.label}</span>
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={mainRef} tabIndex={-1} className="content">
          <ErrorBoundary resetKey={location.pathname}>
            <Outlet />
          </ErrorBoundary>
        </main>
      </div>
      <footer className="app-footer">
        <a href="/api-reference.html">API reference</a>
      </footer>
    </div>
  );
}
