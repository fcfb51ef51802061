// Signing in, staying signed in, signing out.
//
// The access token is kept in memory (lib/api.ts); the refresh token is an HttpOnly,
// SameSite=Strict cookie scoped to /api/v1/auth that the server sets when the login asks
// for a cookie session. After a reload the app has no access token, so it asks
// /auth/refresh for one (the browser sends the cookie). It refreshes again a minute
// before the token expires, and whenever the API answers 401.
import { createContext, startTransition, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, api, setAccessToken, setAuthHandlers } from './api';
import type { TokenAnswer, User } from './types';

type Status = 'loading' | 'authenticated' | 'anonymous';

interface AuthState {
  status: Status;
  user: User | null;
  /** Why the user was signed out (shown on the login screen), if not by choice. */
  reason: string | null;
  login: (email: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  /**
   * A new access token and the user as the server now sees them — after a change of
   * one's own role or password, which ends the current access token at once. Resolves
   * false when the session could not be renewed (the next request then signs out).
   */
  reloadUser: () => Promise<boolean>;
}

const AuthContext = createContext<AuthState | null>(null);

const REFRESH_MARGIN_S = 60;

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>('loading');
  const [user, setUser] = useState<User | null>(null);
  const [reason, setReason] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const inflight = useRef<Promise<boolean> | null>(null);

  const clearTimer = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
  };

  const signedOut = useCallback(
    (why: string | null) => {
      clearTimer();
      setAccessToken(null);
      setUser(null);
      setReason(why);
      setStatus('anonymous');
      queryClient.clear();
    },
    [queryClient],
  );

  const accept = useCallback(async (answer: TokenAnswer) => {
    setAccessToken(answer.access_token);
    const me = answer.user ?? (await api<User>('/auth/me'));
    // A transition: React renders the signed-in app (the frame and the first
    // screen) in slices, yielding to the browser between them, instead of in one
    // long task after the session is restored.
    startTransition(() => {
      setUser(me);
      setReason(null);
      setStatus('authenticated');
    });
    clearTimer();
    const inS = Math.max(10, answer.expires_in - REFRESH_MARGIN_S);
    // eslint-disable-next-line @typescript-eslint/no-use-before-define
    timer.current = setTimeout(() => void refreshRef.current(), inS * 1000);
  }, []);

  // One refresh at a time: parallel 401s share it (a second refresh with the same
  // cookie would look like token reuse to the server).
  const refresh = useCallback((): Promise<boolean> => {
    if (inflight.current) return inflight.current;
    const attempt = async (): Promise<TokenAnswer> =>
      api<TokenAnswer>('/auth/refresh', { method: 'POST', body: {}, anonymous: true });
    const p = (async () => {
      try {
        let answer: TokenAnswer;
        try {
          answer = await attempt();
        } catch (err) {
          // Another tab may have rotated the cookie a moment ago: the browser now
          // holds the new one, so one more try settles it.
          if (err instanceof ApiError && err.status === 401) {
            await new Promise((r) => setTimeout(r, 250));
            answer = await attempt();
          } else {
            throw err;
          }
        }
        await accept(answer);
        return true;
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          return false;
        }
        // Network trouble: keep the session; the next request tries again.
        return false;
      } finally {
        inflight.current = null;
      }
    })();
    inflight.current = p;
    return p;
  }, [accept]);

  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;

  useEffect(() => {
    setAuthHandlers({
      refresh: () => refreshRef.current(),
      unauthorized: () => signedOut('Your session has ended. Please sign in again.'),
    });
  }, [signedOut]);

  useEffect(() => {
    let alive = true;
    void refresh().then((ok) => {
      if (alive && !ok) setStatus((s) => (s === 'loading' ? 'anonymous' : s));
    });
    return () => {
      alive = false;
      clearTimer();
    };
  }, [refresh]);

  const login = useCallback(
    async (email: string, password: string) => {
      const answer = await api<TokenAnswer>('/auth/login', {
        method: 'POST',
        body: { email, password, session: 'cookie' },
        anonymous: true,
      });
      queryClient.clear();
      await accept(answer);
    },
    [accept, queryClient],
  );

  const logout = useCallback(async () => {
    try {
      await api<void>('/auth/logout', { method: 'POST', body: {} });
    } catch {
      // Signed out locally all the same; the cookie expires on its own.
    }
    signedOut(null);
  }, [signedOut]);

  const value = useMemo<AuthState>(
    () => ({ status, user, reason, login, logout, reloadUser: refresh }),
    [status, user, reason, login, logout, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The signed-in user; only for screens behind RequireAuth. */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error('useUser without a signed-in user');
  return user;
}

export const canWrite = (u: User): boolean => u.role === 'admin' || u.role === 'member';
export const isAdmin = (u: User): boolean => u.role === 'admin';
