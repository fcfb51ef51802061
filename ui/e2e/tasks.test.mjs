// Tasks: create through the dialog (a server validation error first), filter by status
// (kept in the URL), mark done, edit, delete with confirmation; viewers read-only; phone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD,
  PHONE,
  SIGNED_OUT,
  USERS,
  apiLogin,
  assertAccessible,
  assertNoConsoleErrors,
  closeBrowser,
  eventually,
  failedRequest,
  hasHorizontalScroll,
  login,
  newPage,
  screenshot,
} from './helpers.mjs';

const RUN = `${Date.now()}-${process.pid}`;
let admin;

async function findTask(title) {
  const res = await admin('GET', '/tasks?page_size=100');
  assert.equal(res.status, 200);
  return res.body.items.find((t) => t.title === title);
}

async function createDeal(name) {
  const res = await admin('POST', '/deals', { name, stage: 'sourcing', value: 1000000, currency: 'GBP' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

const row = (page, title) => page.getByRole('row').filter({ has: page.getByRole('cell', { name: title, exact: true }) });

describe('tasks', () => {
  before(async () => {
    admin = await apiLogin(USERS.admin);
  });
  after(closeBrowser);

  test('create (after a validation error), filter, mark done, edit, delete', async () => {
    const deal = await createDeal(`Task Deal ${RUN}`);
    const title = `Call the auditors ${RUN}`;
    const page = await newPage();
    await login(page, USERS.admin, PASSWORD, '/tasks');
    await page.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
    await page.getByRole('table').waitFor();
    await assertAccessible(page, 'the task list');

    // New task: the server's field error appears at the field.
    await page.getByRole('button', { name: 'New task' }).click();
    const dialog = page.getByRole('dialog', { name: 'New task' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Create task' }).click();
    await dialog.getByText('must be 1 to 200 characters').waitFor();
    assert.equal(await dialog.getByLabel('Title').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'the new task dialog with an error');
    await dialog.getByLabel('Title').fill(title);
    await dialog.getByLabel('Deal').selectOption(deal.id);
    await dialog.getByLabel('Assignee').selectOption({ label: 'Amelia Hart' });
    await dialog.getByLabel('Due date').fill('2020-01-15');
    await dialog.getByRole('button', { name: 'Create task' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row(page, title).waitFor();
    // Overdue says so in words, not only in colour.
    await row(page, title).getByText('Overdue').waitFor();
    const created = await eventually(() => findTask(title), { message: 'the task in the API' });
    assert.equal(created.deal_id, deal.id);
    assert.equal(created.due_date, '2020-01-15');
    assert.equal(created.status, 'open');
    await screenshot(page, 'tasks-list');

    // Filter by deal and status: kept in the URL, and restored on reload of the route.
    await page.getByLabel('Deal', { exact: true }).selectOption(deal.id);
    await page.waitForURL((u) => u.searchParams.get('deal') === deal.id);
    await page.getByLabel('Status', { exact: true }).selectOption('done');
    await page.waitForURL((u) => u.searchParams.get('status') === 'done');
    await page.getByText('No tasks match these filters').waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('open');
    await page.waitForURL((u) => u.searchParams.get('status') === 'open');
    await row(page, title).waitFor();
    assert.equal(await page.getByRole('row').count(), 2, 'only the new task (and the header row)');

    // Mark done: at once in the list, and in the API.
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await page.waitForURL((u) => !u.searchParams.has('status'));
    const check = page.getByRole('checkbox', { name: `Mark ${title} done` });
    await check.check();
    assert.equal(await check.isChecked(), true);
    await eventually(async () => (await findTask(title))?.status === 'done', { message: 'status done in the API' });
    await row(page, title).getByText('Done', { exact: true }).waitFor();

    // Edit.
    const renamed = `${title} (renamed)`;
    await page.getByRole('button', { name: `Edit ${title}` }).click();
    const edit = page.getByRole('dialog', { name: 'Edit task' });
    await edit.waitFor();
    await edit.getByLabel('Title').fill(renamed);
    await edit.getByLabel('Status').selectOption('in_progress');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'hidden' });
    await row(page, renamed).waitFor();
    await eventually(async () => {
      const t = await findTask(renamed);
      return t && t.status === 'in_progress' && t.id === created.id;
    }, { message: 'the edit in the API' });

    // Delete, behind a confirmation.
    await page.getByRole('button', { name: `Delete ${renamed}` }).click();
    const confirm = page.getByRole('alertdialog', { name: `Delete "${renamed}"?` });
    await confirm.waitFor();
    await assertAccessible(page, 'the delete confirmation');
    await confirm.getByRole('button', { name: 'Delete task' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await row(page, renamed).waitFor({ state: 'detached' });
    assert.equal((await admin('GET', `/tasks/${created.id}`)).status, 404);

    // A tablet: the table scrolls inside its wrapper, the page does not.
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.waitForURL((u) => !u.searchParams.has('deal'));
    await page.setViewportSize({ width: 768, height: 900 });
    await page.getByRole('table').waitFor();
    assert.equal(await hasHorizontalScroll(page), false, 'the tablet page scrolls sideways');

    assertNoConsoleErrors(page, [...SIGNED_OUT, failedRequest(422, 'tasks')]);
    await page.context().close();
  });

  test('a refused "done" is undone and explained', async () => {
    const title = `Conflicting task ${RUN}`;
    const made = await admin('POST', '/tasks', { title });
    assert.equal(made.status, 201);
    const page = await newPage();
    await login(page, USERS.admin, PASSWORD, '/tasks');
    await row(page, title).waitFor();
    // Someone else changes it behind the list's back.
    assert.equal((await admin('PATCH', `/tasks/${made.body.id}`, { title: `${title} ` })).status, 200);
    const check = page.getByRole('checkbox', { name: `Mark ${title} done` });
    await check.click();
    await page.getByRole('status', { name: 'Notifications' }).getByText(`Someone else changed "${title}"`).waitFor();
    await eventually(async () => !(await check.isChecked()), { message: 'the checkbox unchecked again' });
    assert.equal((await admin('GET', `/tasks/${made.body.id}`)).body.status, 'open');
    assertNoConsoleErrors(page, [...SIGNED_OUT, /status of 412/]);
    await page.context().close();
  });

  test('viewers read the list only', async () => {
    const title = `Viewer reads ${RUN}`;
    assert.equal((await admin('POST', '/tasks', { title })).status, 201);
    const page = await newPage();
    await login(page, USERS.viewer, PASSWORD, '/tasks');
    await row(page, title).waitFor();
    await page.getByText('You have read-only access').waitFor();
    assert.equal(await page.getByRole('button', { name: 'New task' }).count(), 0);
    assert.equal(await page.getByRole('checkbox').count(), 0);
    assert.equal(await page.getByRole('button', { name: `Edit ${title}` }).count(), 0);
    // "Assigned to me" is a filter kept in the URL.
    await page.getByLabel('Assignee').selectOption('me');
    await page.waitForURL((u) => u.searchParams.get('assignee') === 'me');
    await assertAccessible(page, 'the read-only task list');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });

  test('on a phone the list is one card per task and the page does not scroll sideways', async () => {
    const title = `Phone task ${RUN}`;
    assert.equal((await admin('POST', '/tasks', { title, due_date: '2021-02-03' })).status, 201);
    const page = await newPage(PHONE);
    await login(page, USERS.admin, PASSWORD, '/tasks');
    await page.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
    await page.getByRole('checkbox', { name: `Mark ${title} done` }).waitFor();
    assert.equal(await hasHorizontalScroll(page), false, 'the page scrolls sideways');
    await assertAccessible(page, 'the task list on a phone');
    await screenshot(page, 'tasks-phone');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });
});
