// The API reference page (/api-reference.html): Redoc on the instance's own OpenAPI
// document (/api/v1/openapi.yaml, public), under the shipped Content-Security-Policy.
//
//   MAPLAT_E2E_URL=http://127.0.0.1:8080 node --test e2e/api-reference.test.mjs
//
// The page runs under the policy the server sends (conf/maplat-site.conf); a violation
// is reported as a console error. MAPLAT_E2E_SPEC_FROM_DOCS=1 answers /api/v1/openapi.yaml
// from docs/openapi.yaml, for an instance that does not serve the document yet.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  assertAccessible,
  assertNoConsoleErrors,
  BASE_URL,
  closeBrowser,
  hasHorizontalScroll,
  newPage,
  PHONE,
  screenshot,
} from './helpers.mjs';

export const SHIPPED_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
  "frame-ancestors 'none'";

const SPEC_PATH = '/api/v1/openapi.yaml';
const specFromDocs = process.env.MAPLAT_E2E_SPEC_FROM_DOCS === '1';
// Redoc renders every operation of the document at once (some 16,000 elements): axe needs
// up to a minute or more on a busy 2-core machine, so these tests get wide margins.
const SLOW = { timeout: 360_000 };

/** A page that reports CSP violations and requests to other origins as problems. */
async function referencePage(opts = {}) {
  const page = await newPage({ ...opts, timeout: 60_000 });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(BASE_URL) && !url.startsWith('data:') && !url.startsWith('blob:')) {
      page.maplatProblems.push(`request to another origin: ${url}`);
    }
  });
  await page.route(`${BASE_URL}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (specFromDocs && url.pathname === SPEC_PATH) {
      await route.fulfill({
        status: 200,
        contentType: 'application/yaml',
        headers: { 'Content-Security-Policy': SHIPPED_CSP },
        body: readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8'),
      });
      return;
    }
    await route.fallback();
  });
  return page;
}

/** Waits until Redoc shows the document: its title and an operation path. */
async function waitForReference(page) {
  await page.getByRole('heading', { level: 1, name: /maplat HTTP API/ }).waitFor();
  await page.getByText('/api/v1/deals', { exact: false }).first().waitFor({ state: 'attached' });
}

describe('API reference page', () => {
  before(async () => {
    if (specFromDocs) return;
    const res = await fetch(BASE_URL + SPEC_PATH);
    assert.equal(res.status, 200, `${SPEC_PATH} must be public (no token)`);
  });
  after(closeBrowser);

  test('lists the endpoints under the shipped CSP, accessible, no errors', SLOW, async () => {
    const page = await referencePage();
    const res = await page.goto('/api-reference.html');
    assert.equal(res?.status(), 200);
    // the page itself, not the app's fallback index.html
    assert.equal(await page.title(), 'API reference — maplat');
    await waitForReference(page);

    await page.getByRole('banner').getByRole('link', { name: 'maplat home' }).waitFor();
    const main = page.getByRole('main');
    await main.getByText('/api/v1/prospects', { exact: false }).first().waitFor({ state: 'attached' });
    await main.getByText('/api/v1/auth/login', { exact: false }).first().waitFor({ state: 'attached' });
    const spec = page.getByRole('link', { name: /OpenAPI document/ });
    assert.equal(await spec.getAttribute('href'), SPEC_PATH);

    // the side menu, by keyboard alone: open the deals tag, go to one of its operations
    const tag = page.getByRole('menuitem', { name: 'deals', exact: true });
    await tag.focus();
    await page.keyboard.press('Enter');
    const op = page.getByRole('menuitem', { name: "Deals of the caller's organization" });
    await op.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/#tag\/deals\/operation\/listDeals$/);
    await main.getByRole('heading', { name: "Deals of the caller's organization" }).waitFor();

    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
    await screenshot(page, 'api-reference');
    await assertAccessible(page, 'API reference');
    assertNoConsoleErrors(page);
    await page.context().close();
  });

  // axe runs on the full page at desktop width (above): the phone shows the same elements.
  test('is readable on a phone: no sideways scrolling', SLOW, async () => {
    const page = await referencePage(PHONE);
    await page.goto('/api-reference.html');
    await waitForReference(page);
    assert.equal(await hasHorizontalScroll(page), false, 'the page scrolls sideways at 375 px');
    await screenshot(page, 'api-reference-phone');
    assertNoConsoleErrors(page);
    await page.context().close();
  });

  test('a failed load says why and Retry loads the document', SLOW, async () => {
    const page = await referencePage();
    let fail = true;
    await page.route(`${BASE_URL}${SPEC_PATH}`, async (route) => {
      if (!fail) return route.fallback();
      await route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        headers: { 'Retry-After': '1', 'Content-Security-Policy': SHIPPED_CSP },
        body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'unavailable' }),
      });
    });
    await page.goto('/api-reference.html');
    const alert = page.getByRole('alert').filter({ hasText: 'The API reference could not be loaded' });
    await alert.waitFor();
    await assertAccessible(page, 'API reference load error');
    fail = false;
    await alert.getByRole('button', { name: 'Retry' }).click();
    await waitForReference(page);
    // Redoc also reports the failed load as an uncaught error of its own
    assertNoConsoleErrors(page, [/status of 503/, /openapi\.yaml: 503 Service Unavailable/]);
    await page.context().close();
  });
});
