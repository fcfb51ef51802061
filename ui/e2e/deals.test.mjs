// The Deals screens end to end: list view in the URL (search, stage, sort, pages, reload),
// creating with a server field error, bulk archive/unarchive/delete, the deal page (stage
// change, edit with a 412, delete, not found), the viewer's read-only view, a phone.
// Each test creates the deals it changes (names carry a unique tag) and checks through
// the API that what the UI did really happened.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE,
  USERS,
  apiLogin,
  assertAccessible,
  assertNoConsoleErrors,
  closeBrowser,
  eventually,
  hasHorizontalScroll,
  login,
  newPage,
  screenshot,
} from './helpers.mjs';

const uid = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

// Chromium logs every failed request as a console error without its address, so the
// failed responses are collected here and checked one by one instead: the ones a test
// provokes on purpose, and the app's start-up token refresh, which a signed-out page load
// makes without a session cookie (refused: 422 "refresh_token is required", or 401).
const RESOURCE_ERROR = /Failed to load resource: the server responded with a status of 4\d\d/;
const REFRESH = { path: /^\/api\/v1\/auth\/refresh$/, status: [401, 422] };

async function open(opts) {
  const page = await newPage(opts);
  page.failedResponses = [];
  page.on('response', (r) => {
    if (r.status() >= 400) page.failedResponses.push({ path: new URL(r.url()).pathname, status: r.status() });
  });
  return page;
}

/** No console error, and no failed request other than the expected ones ({path, status}). */
function assertClean(page, expected = []) {
  const ok = [REFRESH, ...expected];
  const unexpected = page.failedResponses.filter((f) => !ok.some((e) => e.path.test(f.path) && e.status.includes(f.status)));
  assert.deepEqual(unexpected, [], 'failed requests');
  assertNoConsoleErrors(page, [RESOURCE_ERROR]);
}

let admin;
before(async () => {
  admin = await apiLogin(USERS.admin);
});
after(closeBrowser);

async function createDeal(body) {
  const r = await admin('POST', '/deals', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const rows = (page) => page.locator('table.deals-table tbody tr');

async function waitRows(page, n) {
  await eventually(async () => (await rows(page).count()) === n && !(await page.locator('.deals-stale').count()), {
    message: `${n} rows`,
  });
}

describe('deals list', () => {
  test('a two-word search typed with a space finds the deal', async () => {
    const tag = `Srch${uid()}`;
    await createDeal({ name: `${tag} Alpha`, target_company: 'Alpha Ltd' });
    await createDeal({ name: `${tag} Beta`, target_company: 'Beta Ltd' });
    const page = await open();
    await login(page, USERS.admin, undefined, '/deals');
    await page.getByLabel('Search deals').pressSequentially(`${tag} Alpha`);
    await page.waitForURL((u) => u.searchParams.get('q') === `${tag} Alpha`);
    // Needs the server to decode '+' in query strings as a space (URLSearchParams sends it).
    await waitRows(page, 1);
    await page.getByRole('link', { name: `${tag} Alpha` }).waitFor();
    assertClean(page);
    await page.context().close();
  });

  test('filter by stage, sort, page; a reload keeps the view', async () => {
    const tag = `Pg${uid()}`;
    const stages = ['sourcing', 'closing', 'evaluation', 'closing'];
    for (let i = 1; i <= 12; i++) {
      await createDeal({
        name: `${tag} ${String(i).padStart(2, '0')}`,
        target_company: `Target ${i} plc`,
        stage: stages[i % 4],
        value: i * 1000,
        currency: 'GBP',
      });
    }
    const page = await open();
    await login(page, USERS.admin, undefined, '/deals');
    await page.getByRole('heading', { name: 'Deals', level: 1 }).waitFor();
    await rows(page).first().waitFor();
    await assertAccessible(page, 'deals list');

    await page.getByLabel('Search deals').fill(tag);
    await page.waitForURL((u) => u.searchParams.get('q') === tag);
    await waitRows(page, 12);

    await page.getByLabel('Stage').selectOption({ label: 'Closing' });
    await page.waitForURL((u) => u.searchParams.get('stage') === 'closing');
    await waitRows(page, 6);
    for (const badge of await rows(page).locator('.badge').allTextContents()) assert.equal(badge, 'Closing');
    await page.getByLabel('Stage').selectOption({ label: 'All stages' });
    await waitRows(page, 12);

    await page.getByRole('button', { name: /^Value/ }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === '-value');
    await eventually(async () => (await rows(page).first().getByRole('link').textContent()) === `${tag} 12`, {
      message: 'highest value first',
    });
    assert.equal(await page.getByRole('columnheader', { name: /^Value/ }).getAttribute('aria-sort'), 'descending');

    await page.getByLabel('Rows per page').selectOption('10');
    await page.waitForURL((u) => u.searchParams.get('page_size') === '10');
    await waitRows(page, 10);
    await page.getByRole('navigation', { name: 'Deals pages' }).getByRole('button', { name: 'Next' }).click();
    await page.waitForURL((u) => u.searchParams.get('page') === '2');
    await waitRows(page, 2);
    assert.deepEqual(await rows(page).getByRole('link').allTextContents(), [`${tag} 02`, `${tag} 01`]);
    await screenshot(page, 'deals-list');

    await page.reload();
    await waitRows(page, 2);
    const u = new URL(page.url());
    assert.equal(u.searchParams.get('q'), tag);
    assert.equal(u.searchParams.get('sort'), '-value');
    assert.equal(u.searchParams.get('page'), '2');
    assert.equal(u.searchParams.get('page_size'), '10');
    assert.equal(await page.getByLabel('Search deals').inputValue(), tag);
    assert.deepEqual(await rows(page).getByRole('link').allTextContents(), [`${tag} 02`, `${tag} 01`]);
    await page.getByText('11–12 of 12').waitFor();

    // Nothing matches: the empty state offers to clear the filters.
    await page.getByLabel('Search deals').fill(`${tag}-nothing`);
    await page.getByText('No deals match these filters').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => !url.searchParams.has('q'));
    // the box follows the URL in a render after it (a transition): wait, do not read once
    await eventually(async () => (await page.getByLabel('Search deals').inputValue()) === '', {
      message: 'the search box cleared',
    });
    assertClean(page);
    await page.context().close();
  });
});

test('create a deal: the server field error at its field, then a valid deal', async () => {
  const name = `Created ${uid()}`;
  const page = await open();
  await login(page, USERS.analyst, undefined, '/deals');
  await page.getByRole('button', { name: 'New deal' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New deal' });
  await dialog.waitFor();
  await assertAccessible(page, 'new deal dialog');

  await dialog.getByLabel('Target company').fill('Gannet Foods Ltd');
  await dialog.getByRole('button', { name: 'Create deal' }).click();
  const nameInput = dialog.getByLabel('Name');
  await eventually(async () => (await nameInput.getAttribute('aria-invalid')) === 'true', {
    message: 'the name field marked invalid',
  });
  const describedBy = await nameInput.getAttribute('aria-describedby');
  const message = await page.locator(`[id="${describedBy}"]`).textContent();
  assert.ok(message && message.length > 0, 'the server message is shown at the field');
  await assertAccessible(page, 'new deal dialog with a field error');
  await screenshot(page, 'deals-new-error');

  await nameInput.fill(name);
  await dialog.getByLabel('Stage').selectOption({ label: 'Evaluation' });
  await dialog.getByLabel('Value').fill('1,250,000');
  await dialog.getByLabel('Currency').fill('eur');
  await dialog.getByLabel('Description').fill('Frozen foods, two plants.');
  await dialog.getByRole('button', { name: 'Create deal' }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
  await page.getByText(`Deal “${name}” created`).waitFor();
  const id = page.url().split('/deals/')[1];
  const r = await admin('GET', `/deals/${id}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.name, name);
  assert.equal(r.body.stage, 'evaluation');
  assert.equal(r.body.value, 1250000);
  assert.equal(r.body.currency, 'EUR');
  assert.equal(r.body.target_company, 'Gannet Foods Ltd');
  assertClean(page, [{ path: /^\/api\/v1\/deals$/, status: [422] }]);
  await page.context().close();
});

describe('bulk actions', () => {
  test('archive two new deals, then unarchive them', async () => {
    const tag = `Blk${uid()}`;
    const a = await createDeal({ name: `${tag} A`, value: 5000 });
    const b = await createDeal({ name: `${tag} B`, value: 7000 });
    const page = await open();
    await login(page, USERS.admin, undefined, `/deals?q=${tag}`);
    await waitRows(page, 2);
    await page.getByRole('checkbox', { name: `Select ${tag} A` }).check();
    await page.getByRole('checkbox', { name: `Select ${tag} B` }).check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await bar.getByText('2 deals selected').waitFor();
    await assertAccessible(page, 'deals list with a selection');
    await screenshot(page, 'deals-bulk');

    await bar.getByRole('button', { name: 'Archive', exact: true }).click();
    await page.getByText('No deals match these filters').waitFor();
    await page.getByText('2 deals archived').waitFor();
    for (const d of [a, b]) {
      await eventually(async () => (await admin('GET', `/deals/${d.id}`)).body.archived === true, {
        message: 'archived through the API',
      });
    }
    await bar.waitFor({ state: 'detached' }); // the selection is cleared

    // The box follows the URL, which the router updates in a transition: click, then wait.
    await page.getByLabel('Show archived').click();
    await page.waitForURL((u) => u.searchParams.get('archived') === 'true');
    await eventually(() => page.getByLabel('Show archived').isChecked(), { message: 'Show archived checked' });
    await waitRows(page, 2);
    await page.getByRole('checkbox', { name: 'Select all deals on this page' }).check();
    await bar.getByRole('button', { name: 'Unarchive', exact: true }).click();
    await page.getByText('2 deals unarchived').waitFor();
    await page.getByText('No deals match these filters').waitFor();
    for (const d of [a, b]) {
      const r = await admin('GET', `/deals/${d.id}`);
      assert.equal(r.body.archived, false);
    }
    assertClean(page);
    await page.context().close();
  });

  test('delete asks first: Escape cancels, then the red button deletes', async () => {
    const tag = `Del${uid()}`;
    const ids = [];
    for (const s of ['A', 'B', 'C']) ids.push((await createDeal({ name: `${tag} ${s}` })).id);
    const page = await open();
    await login(page, USERS.admin, undefined, `/deals?q=${tag}`);
    await waitRows(page, 3);
    await page.getByRole('checkbox', { name: 'Select all deals on this page' }).check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await bar.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete 3 deals?' });
    await confirm.waitFor();
    await assertAccessible(page, 'bulk delete confirmation');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    await waitRows(page, 3);
    for (const id of ids) assert.equal((await admin('GET', `/deals/${id}`)).status, 200);

    await bar.getByRole('button', { name: 'Delete', exact: true }).click();
    await confirm.getByRole('button', { name: 'Delete 3 deals' }).click();
    await page.getByText('3 deals deleted').waitFor();
    await page.getByText('No deals match these filters').waitFor();
    for (const id of ids) assert.equal((await admin('GET', `/deals/${id}`)).status, 404);
    assertClean(page);
    await page.context().close();
  });
});

test('deal page: stage change, edit with a conflict, delete; unknown deals', async () => {
  const name = `Page ${uid()}`;
  const deal = await createDeal({
    name,
    target_company: 'Puffin Robotics Ltd',
    stage: 'sourcing',
    value: 3200000,
    currency: 'GBP',
    description: 'Warehouse robots.\nFounder-led.',
  });
  const me = (await admin('GET', '/auth/me')).body;
  const task = await admin('POST', '/tasks', {
    title: `Check the IP of ${name}`,
    deal_id: deal.id,
    assignee_id: me.id,
    due_date: '2026-12-01',
  });
  assert.equal(task.status, 201);

  const page = await open();
  await login(page, USERS.admin, undefined, `/deals/${deal.id}`);
  await page.getByRole('heading', { name, level: 1 }).waitFor();
  await page.getByText(`Check the IP of ${name}`).waitFor();
  await page.getByText('No financial statements yet').waitFor();
  await assertAccessible(page, 'deal page');

  await page.getByLabel('Stage').selectOption({ label: 'Negotiation' });
  await page.getByText('Stage changed to Negotiation').waitFor();
  await eventually(async () => (await admin('GET', `/deals/${deal.id}`)).body.stage === 'negotiation', {
    message: 'the stage through the API',
  });
  await screenshot(page, 'deal-page');

  // Someone else changes the deal: the edit answers 412 and offers to reload.
  const other = await admin('PATCH', `/deals/${deal.id}`, { description: 'Changed elsewhere.' });
  assert.equal(other.status, 200);
  await page.getByRole('button', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit deal' });
  await dialog.getByLabel('Target company').fill('Puffin Robotics Group');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await dialog.getByText('This deal was changed by someone else; reload to see the latest version').waitFor();
  await dialog.getByRole('button', { name: 'Reload' }).click();
  await eventually(async () => (await dialog.getByLabel('Description').inputValue()) === 'Changed elsewhere.', {
    message: 'the latest version in the form',
  });
  await dialog.getByLabel('Target company').fill('Puffin Robotics Group');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByText('Puffin Robotics Group').first().waitFor();
  const saved = (await admin('GET', `/deals/${deal.id}`)).body;
  assert.equal(saved.target_company, 'Puffin Robotics Group');
  assert.equal(saved.description, 'Changed elsewhere.');

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Delete this deal?' });
  await confirm.getByRole('button', { name: 'Delete deal' }).click();
  await page.waitForURL((u) => u.pathname === '/deals');
  await page.getByText(`Deal “${name}” deleted`).waitFor();
  assert.equal((await admin('GET', `/deals/${deal.id}`)).status, 404);

  await page.goto(`/deals/${deal.id}`);
  await page.getByRole('heading', { name: 'Deal not found' }).waitFor();
  await page.getByRole('link', { name: 'Back to deals' }).waitFor();
  await assertAccessible(page, 'deal not found');
  assertClean(page, [
    { path: /^\/api\/v1\/deals\/[^/]+$/, status: [412] },
    { path: /^\/api\/v1\/deals\/[^/]+\/hierarchy$/, status: [404] },
  ]);
  await page.context().close();
});

test('an invalid deal id reads as not found', async () => {
  const page = await open();
  await login(page, USERS.admin, undefined, '/deals/not-a-deal');
  await page.getByRole('heading', { name: 'Deal not found' }).waitFor();
  await page.getByRole('link', { name: 'Back to deals' }).click();
  await page.getByRole('heading', { name: 'Deals', level: 1 }).waitFor();
  assertClean(page, [{ path: /^\/api\/v1\/deals\/not-a-deal\/hierarchy$/, status: [422] }]);
  await page.context().close();
});

test('a viewer sees no mutation controls', async () => {
  const name = `Viewed ${uid()}`;
  const deal = await createDeal({ name, stage: 'closing' });
  const page = await open();
  await login(page, USERS.viewer, undefined, `/deals?q=${encodeURIComponent(name.split(' ')[1])}`);
  await waitRows(page, 1);
  assert.equal(await page.getByRole('button', { name: 'New deal' }).count(), 0);
  assert.equal(await page.getByRole('checkbox', { name: /^Select/ }).count(), 0);
  assert.equal(await page.getByRole('region', { name: 'Bulk actions' }).count(), 0);
  await page.getByRole('link', { name }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
  await page.getByText('Closing', { exact: true }).waitFor();
  for (const b of ['Edit', 'Delete']) assert.equal(await page.getByRole('button', { name: b }).count(), 0);
  assert.equal(await page.getByRole('combobox').count(), 0);
  await assertAccessible(page, 'deal page for a viewer');
  assertClean(page);
  await page.context().close();
  assert.equal((await admin('GET', `/deals/${deal.id}`)).body.stage, 'closing');
});

test('a 375-px phone: no sideways scrolling on the list, the dialog and the deal page', async () => {
  const tag = `Phone${uid()}`;
  const deal = await createDeal({
    name: `${tag} with a rather long deal name to wrap`,
    target_company: 'Long Target Company Name Holdings International plc',
    value: 987654321.5,
    currency: 'USD',
  });
  await createDeal({ name: `${tag} second`, stage: 'won', value: 1200 });
  const page = await open(PHONE);
  await login(page, USERS.admin, undefined, `/deals?q=${tag}`);
  await waitRows(page, 2);
  assert.equal(await hasHorizontalScroll(page), false, 'the list page scrolls sideways');
  await page.getByRole('checkbox', { name: `Select ${tag} second` }).check();
  assert.equal(await hasHorizontalScroll(page), false, 'the list with the bulk bar scrolls sideways');
  await screenshot(page, 'deals-phone');
  await page.getByRole('button', { name: 'New deal' }).click();
  await page.getByRole('dialog', { name: 'New deal' }).waitFor();
  assert.equal(await hasHorizontalScroll(page), false, 'the dialog scrolls sideways');
  await page.keyboard.press('Escape');
  await page.getByRole('link', { name: deal.name }).click();
  await page.getByRole('heading', { name: deal.name, level: 1 }).waitFor();
  assert.equal(await hasHorizontalScroll(page), false, 'the deal page scrolls sideways');
  await screenshot(page, 'deal-page-phone');
  assertClean(page);
  await page.context().close();
});
