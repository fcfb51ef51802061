// Shared helpers for the browser suite: Debian's chromium driven by playwright-core
// (no browser download), against a running maplat at MAPLAT_E2E_URL.
//
//   MAPLAT_E2E_URL=http://127.0.0.1:8080 node --test e2e/
//
// Tests find things as a user does: by role and accessible name, by label. They wait
// for states (Playwright's auto-waiting locators, expect-style polling), never sleep.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);

export const BASE_URL = (process.env.MAPLAT_E2E_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
export const PASSWORD = process.env.MAPLAT_E2E_PASSWORD ?? 'maplat-demo-password';
export const CHROMIUM = process.env.MAPLAT_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots land here (docs/screenshots when the suite is run to refresh the guide). */
export const SHOT_DIR = process.env.MAPLAT_E2E_SHOTS ?? path.resolve('e2e-output');

export const USERS = {
  admin: 'admin@acme.example',
  analyst: 'analyst@acme.example',
  viewer: 'viewer@acme.example',
  globex: 'admin@globex.example',
  ops: 'ops@maplat.example',
};

/** newPage(PHONE): a 375-px phone (single column; the navigation hides behind Menu). */
export const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true };

/**
 * assertNoConsoleErrors(page, SIGNED_OUT): a signed-out page load (the login screen, a
 * reset link) first asks POST /api/v1/auth/refresh for a session; without the session
 * cookie it is refused (422, "refresh_token is required") and Chromium logs that as a
 * failed resource.
 */
export const SIGNED_OUT = [/Failed to load resource: .* status of 4\d\d .*\(\/api\/v1\/auth\/refresh\)$/];

/** The console error Chromium logs for a request to /api/v1/<apiPath> that answered `code`. */
export function failedRequest(code, apiPath) {
  return new RegExp(`Failed to load resource: .* status of ${code} .*\\(\\/api\\/v1\\/${apiPath}\\)$`);
}

let browserPromise = null;

/** One browser per test file; closed by closeBrowser() in an after() hook. */
export function browser() {
  if (!browserPromise) {
    const args = ['--disable-dev-shm-usage', '--disable-gpu'];
    // Chromium's sandbox needs user namespaces: root has none to give, and a chroot or
    // a locked-down container refuses them (scripts/dev test probes and sets the variable).
    if ((process.getuid && process.getuid() === 0) || process.env.MAPLAT_CHROMIUM_NO_SANDBOX === '1') {
      args.push('--no-sandbox');
    }
    browserPromise = chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  }
  return browserPromise;
}

export async function closeBrowser() {
  if (browserPromise) {
    const b = await browserPromise;
    browserPromise = null;
    await b.close();
  }
}

/**
 * A fresh context and page. Console errors, page errors and failed same-origin requests
 * (other than the 4xx a test provokes on purpose) are collected: call
 * assertNoConsoleErrors(page) at the end of a test.
 */
export async function newPage(opts = {}) {
  const b = await browser();
  const context = await b.newContext({
    baseURL: BASE_URL,
    viewport: opts.viewport ?? { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    ...(opts.isMobile ? { isMobile: true, hasTouch: true } : {}),
  });
  const page = await context.newPage();
  // Playwright's waits end as soon as the state is there: the deadline is for a
  // loaded 2-core CI machine (the server under ASan, a coverage build)
  page.setDefaultTimeout(opts.timeout ?? 30_000);
  const problems = [];
  page.on('console', (msg) => {
    // the URL tells which request a "Failed to load resource" was about
    if (msg.type() === 'error') {
      const url = msg.location()?.url;
      problems.push(`console: ${msg.text()}${url ? ` (${url.replace(BASE_URL, '')})` : ''}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.maplatProblems = problems;
  return page;
}

/** Console errors the browser logs for a 4xx the test provoked on purpose can be allowed by pattern. */
export function assertNoConsoleErrors(page, allow = []) {
  const left = page.maplatProblems.filter((p) => !allow.some((re) => re.test(p)));
  assert.deepEqual(left, [], 'the browser reported errors');
}

/** Signs in through the login screen as a user would and waits for the dashboard. */
export async function login(page, email = USERS.admin, password = PASSWORD, next = '/') {
  await page.goto(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The main landmark of the signed-in frame (on a phone the navigation hides behind Menu).
  await page.locator('main#main').getByRole('heading', { level: 1 }).first().waitFor();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** The API as the signed-in user of a test would see it (for checking what the UI did). */
export async function apiLogin(email = USERS.admin, password = PASSWORD) {
  const res = await fetch(`${BASE_URL}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(res.status, 200, `API login of ${email}`);
  const { access_token: token } = await res.json();
  return async function apiCall(method, p, body) {
    const r = await fetch(`${BASE_URL}/api/v1${p}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
  };
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core on the current page (WCAG 2.1 A/AA rules): no serious or critical violation.
 * The script is evaluated through the DevTools protocol, which the page's CSP does not
 * govern, so the app runs under its real policy while axe inspects it.
 */
export async function assertAccessible(page, what) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe on ${what}: ${JSON.stringify(bad, null, 1)}`);
  return result;
}

/** A full-page screenshot for the user guide and for looking at what was built. */
export async function screenshot(page, name) {
  mkdirSync(SHOT_DIR, { recursive: true });
  const file = path.join(SHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** Polls fn until it returns a truthy value (for API state a UI action leads to). */
export async function eventually(fn, { timeout = 30_000, interval = 100, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}: ${String(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * True when the page scrolls sideways (a phone layout must not) once the layout has
 * settled: a page still laying out (a list replacing its skeleton, a chart sizing itself)
 * may be wider for a frame, so this waits up to 10 s (a loaded machine) for the state
 * without sideways scrolling before answering true. Offenders are logged to help the fix.
 */
export async function hasHorizontalScroll(page) {
  const wide = () =>
    page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
  const end = Date.now() + 10_000;
  while (await wide()) {
    if (Date.now() > end) {
      const who = await page.evaluate(() => {
        const cw = document.documentElement.clientWidth;
        return [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > cw + 1)
          .slice(0, 8)
          .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} (right ${Math.round(el.getBoundingClientRect().right)} px)`);
      });
      console.log(`wider than the viewport: ${who.join(', ')}`);
      return true;
    }
    await page.waitForTimeout(100);
  }
  return false;
}
