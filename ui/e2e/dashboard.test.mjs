// The dashboard end to end: its figures are the API's, the chart draws, recent activity
// and the caller's open tasks are listed, on a desktop and on a phone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE,
  SIGNED_OUT,
  USERS,
  apiLogin,
  assertAccessible,
  assertNoConsoleErrors,
  closeBrowser,
  hasHorizontalScroll,
  login,
  newPage,
  screenshot,
} from './helpers.mjs';

const stamp = () => `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

let admin;
let me;
let taskId;
let taskTitle;

before(async () => {
  admin = await apiLogin(USERS.admin);
  me = (await admin('GET', '/auth/me')).body;
  // an open task of mine, due tomorrow, so "Your open tasks" has something of this test's
  taskTitle = `E2E dashboard task ${stamp()}`;
  const due = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const t = await admin('POST', '/tasks', { title: taskTitle, assignee_id: me.id, due_date: due, status: 'in_progress' });
  assert.equal(t.status, 201, JSON.stringify(t.body));
  taskId = t.body.id;
});
after(async () => {
  if (taskId) await admin('DELETE', `/tasks/${taskId}`);
  await closeBrowser();
});

/** label -> exact value, from the figure cards. */
async function figures(page) {
  return page.getByRole('region', { name: 'Key figures' }).evaluate((el) => {
    const out = {};
    for (const li of el.querySelectorAll('li')) {
      const label = li.querySelector('.metric-label')?.textContent ?? '';
      out[label] = li.querySelector('data')?.getAttribute('value') ?? null;
    }
    return out;
  });
}

describe('dashboard', () => {
  test('figures, chart, activity and my tasks are the API’s', async () => {
    const page = await newPage();
    // the answer the page itself gets from GET /dashboard/metrics (other test files may
    // change the organization meanwhile, so a later call of ours could differ)
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/dashboard/metrics') && r.status() === 200);
    await login(page);
    const metrics = await (await answer).json();
    const figs = page.getByRole('region', { name: 'Key figures' });
    await figs.locator('data').first().waitFor();
    await page.getByRole('region', { name: 'Your open tasks' }).getByRole('link', { name: taskTitle }).waitFor();

    const shown = await figures(page);
    assert.equal(Number(shown['Deals']), metrics.deals_count);
    assert.equal(Number(shown['Documents']), metrics.documents_count);
    assert.equal(Number(shown['Tasks']), metrics.tasks_count);
    assert.equal(Number(shown['Open tasks']), metrics.open_tasks_count);
    assert.equal(Number(shown['Pipeline value']), Number(metrics.pipeline_value));
    // and that is what the API says to anyone of the organization: our own call agrees
    // once no other test is changing things (it includes the task this test made)
    const ours = (await admin('GET', '/dashboard/metrics')).body;
    assert.ok(ours.tasks_count >= 1 && ours.open_tasks_count >= 1);
    assert.deepEqual(Object.keys(ours.deals_by_stage).sort(), Object.keys(metrics.deals_by_stage).sort());

    // the chart draws one bar per stage with a count, and the table says the same
    const stages = page.getByRole('region', { name: 'Deals by stage' });
    await stages.locator('.bar-chart-bar').first().waitFor({ state: 'attached' });
    assert.equal(await stages.locator('.bar-chart-bar').count(), 7);
    const drawn = await stages.locator('.bar-chart-bar').evaluateAll((els) => els.map((e) => Number(e.dataset.value)));
    assert.equal(drawn[0], metrics.deals_by_stage.sourcing ?? 0, 'the first bar is the sourcing count');
    const table = stages.getByRole('table', { name: 'Deals by stage' });
    for (const [stage, label] of [
      ['sourcing', 'Sourcing'],
      ['due_diligence', 'Due diligence'],
      ['lost', 'Lost'],
    ]) {
      const cell = table.getByRole('row', { name: new RegExp(`^${label} `) }).getByRole('cell');
      assert.equal(Number(await cell.textContent()), metrics.deals_by_stage[stage] ?? 0, label);
    }

    // recent activity: the API's last entries, with times
    const activity = page.getByRole('region', { name: 'Recent activity' });
    const items = activity.getByRole('listitem');
    await items.first().waitFor();
    assert.equal(await items.count(), metrics.recent_activity.length);
    assert.ok((await activity.locator('time[datetime][title]').count()) >= 1);

    // my tasks: this test's task, in progress, due tomorrow
    const task = page.getByRole('region', { name: 'Your open tasks' }).getByRole('listitem').filter({ hasText: taskTitle });
    assert.match(await task.innerText(), /In progress/);
    assert.match(await task.innerText(), /Due /);

    await assertAccessible(page, 'the dashboard');
    await screenshot(page, 'dashboard');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });

  test('links go to the tasks page', async () => {
    const page = await newPage();
    await login(page);
    await page.getByRole('region', { name: 'Your open tasks' }).getByRole('link', { name: taskTitle }).click();
    await page.waitForURL(/\/tasks$/);
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });

  test('on a phone the dashboard is one column without sideways scrolling', async () => {
    const page = await newPage(PHONE);
    await login(page);
    await page.getByRole('region', { name: 'Deals by stage' }).locator('.bar-chart-bar').first().waitFor({ state: 'attached' });
    await page.getByRole('region', { name: 'Recent activity' }).getByRole('listitem').first().waitFor();
    assert.equal(await hasHorizontalScroll(page), false);
    await assertAccessible(page, 'the dashboard on a phone');
    await screenshot(page, 'dashboard-phone');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });
});
