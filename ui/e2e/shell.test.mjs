// The application shell: signing in and out, the navigation, deep links, the
// not-found page, the phone layout — with axe on each screen and no console errors.
//
//   MAPLAT_E2E_URL=http://127.0.0.1:8080 node --test e2e/shell.test.mjs
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  PASSWORD,
  PHONE,
  SIGNED_OUT,
  USERS,
  assertAccessible,
  assertNoConsoleErrors,
  closeBrowser,
  failedRequest,
  hasHorizontalScroll,
  login,
  newPage,
  screenshot,
} from './helpers.mjs';

after(closeBrowser);

// A wrong password is a 401, which Chromium logs as "Failed to load resource".
const WRONG_PASSWORD = [failedRequest(401, 'auth/login')];

const NAV_LINKS = ['Dashboard', 'Deals', 'Prospects', 'Tasks', 'Documents', 'Team'];

/** Whether the server keeps the session in an HttpOnly refresh cookie (login with session: 'cookie'). */
async function cookieSession(page) {
  const cookies = await page.context().cookies();
  return cookies.some((c) => c.httpOnly && c.path.startsWith('/api/v1/auth'));
}

function mainNav(page) {
  return page.getByRole('navigation', { name: 'Main' });
}

async function done(page) {
  await page.context().close();
}

const T = { timeout: 90_000 };

describe('shell', () => {
  test('login screen: labelled fields, the server says why a login failed', T, async () => {
    const page = await newPage();
    await page.goto('/');
    await page.waitForURL(/\/login$/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const email = page.getByLabel('Email');
    const password = page.getByLabel('Password');
    assert.equal(await email.getAttribute('type'), 'email');
    assert.equal(await password.getAttribute('type'), 'password');
    await assertAccessible(page, 'login');
    await screenshot(page, 'shell-login');

    await email.fill(USERS.admin);
    await password.fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    // the server's own words (problem+json detail), not a generic message
    assert.match(await alert.innerText(), /email or password is wrong/i);
    assert.match(page.url(), /\/login$/, 'still on the login screen');
    await assertAccessible(page, 'login with an error');
    await screenshot(page, 'shell-login-error');
    assertNoConsoleErrors(page, [...SIGNED_OUT, ...WRONG_PASSWORD]);
    await done(page);
  });

  test('sign in: dashboard with the main navigation', T, async () => {
    const page = await newPage();
    await login(page, USERS.admin, PASSWORD);
    assert.equal(new URL(page.url()).pathname, '/');
    const nav = mainNav(page);
    for (const name of NAV_LINKS) {
      await nav.getByRole('link', { name, exact: true }).waitFor();
    }
    assert.equal(await nav.getByRole('link').count(), NAV_LINKS.length, 'exactly the six sections');
    await page.getByRole('main').waitFor();
    await page.getByRole('banner').waitFor();
    await assertAccessible(page, 'dashboard');
    await screenshot(page, 'shell-dashboard');

    // each section is reachable from the navigation
    for (const [name, path] of [['Deals', '/deals'], ['Tasks', '/tasks'], ['Dashboard', '/']]) {
      const link = nav.getByRole('link', { name, exact: true });
      await link.click();
      await page.waitForURL((u) => u.pathname === path);
      // the current section is marked for assistive technology
      await link.and(page.locator('[aria-current="page"]')).waitFor();
    }
    assertNoConsoleErrors(page, SIGNED_OUT);
    await done(page);
  });

  test('a deep link while signed out goes to login and back to that page', T, async () => {
    const page = await newPage();
    await page.goto('/deals?stage=closing');
    await page.waitForURL(/\/login\?next=/);
    const next = new URL(page.url()).searchParams.get('next');
    assert.equal(next, '/deals?stage=closing');
    await page.getByLabel('Email').fill(USERS.analyst);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/deals');
    assert.equal(new URL(page.url()).search, '?stage=closing');
    await mainNav(page).waitFor();
    assertNoConsoleErrors(page, SIGNED_OUT);
    await done(page);
  });

  test('a foreign next= is not followed (no open redirect)', T, async () => {
    const page = await newPage();
    await login(page, USERS.viewer, PASSWORD, '//evil.example/');
    assert.equal(new URL(page.url()).origin, new URL(BASE_URL).origin);
    assert.equal(new URL(page.url()).pathname, '/');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await done(page);
  });

  test('reload keeps the session (HttpOnly refresh cookie)', T, async () => {
    const page = await newPage();
    await login(page, USERS.admin, PASSWORD);
    assert.ok(await cookieSession(page), 'the login set an HttpOnly refresh cookie for /api/v1/auth');
    await mainNav(page).getByRole('link', { name: 'Prospects', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/prospects');
    await page.reload();
    await mainNav(page).waitFor();
    assert.equal(new URL(page.url()).pathname, '/prospects');
    // the token lives in memory only; the cookie is invisible to scripts
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.doesNotMatch(stored, /eyJ/, 'no token in web storage');
    assert.doesNotMatch(await page.evaluate(() => document.cookie), /refresh/i, 'refresh cookie is HttpOnly');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await done(page);
  });

  test('sign out returns to the login screen and stays signed out', T, async () => {
    const page = await newPage();
    await login(page, USERS.admin, PASSWORD);
    assert.ok(await cookieSession(page), 'the login set an HttpOnly refresh cookie');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.goto('/deals');
    await page.waitForURL(/\/login\?next=%2Fdeals$/);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // the logout succeeded (no error) and the cookie is gone: the next visit is signed out
    assert.ok(!(await cookieSession(page)), 'the logout cleared the refresh cookie');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await done(page);
  });

  test('an unknown address shows the not-found page inside the shell', T, async () => {
    const page = await newPage();
    // through the login's next=
    await login(page, USERS.admin, PASSWORD, '/no/such/page');
    assert.equal(new URL(page.url()).pathname, '/no/such/page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await mainNav(page).waitFor();
    await assertAccessible(page, 'not found');
    await screenshot(page, 'shell-not-found');
    await page.getByRole('link', { name: 'Go to the dashboard' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await done(page);
  });

  test('phone (375 x 812): a Menu button opens the navigation, no sideways scrolling', T, async () => {
    const page = await newPage(PHONE);
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await hasHorizontalScroll(page), false, 'login page scrolls sideways');
    await screenshot(page, 'shell-phone-login');

    await login(page);
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.waitFor();
    assert.equal(await mainNav(page).isVisible(), false, 'the navigation waits behind Menu');
    assert.equal(await hasHorizontalScroll(page), false, 'dashboard scrolls sideways');
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    await menu.click();
    await page.getByRole('button', { name: 'Menu', expanded: true }).waitFor();
    const deals = mainNav(page).getByRole('link', { name: 'Deals', exact: true });
    await deals.waitFor({ state: 'visible' });
    await assertAccessible(page, 'phone menu');
    await screenshot(page, 'shell-phone-menu');
    await deals.click();
    await page.waitForURL((u) => u.pathname === '/deals');
    // a new screen closes the menu
    await page.getByRole('button', { name: 'Menu', expanded: false }).waitFor();
    assert.equal(await hasHorizontalScroll(page), false, 'deals page scrolls sideways');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await done(page);
  });
});
