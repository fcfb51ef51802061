// Documents end to end: the list, a document's story (view recorded, edit, permissions
// with the last-owner refusal, what an editor and a stranger see, delete), the New
// document dialog, and the phone layout. Each test creates the documents it changes.
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
  hasHorizontalScroll,
  login,
  newPage,
  screenshot,
} from './helpers.mjs';

const stamp = () => `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

/** On failure, a screenshot of where the page was (e2e-output/fail-<name>.png). */
async function shotOnFailure(page, name, fn) {
  try {
    await fn();
  } catch (err) {
    await screenshot(page, `fail-${name}`).catch(() => {});
    throw err;
  }
}

async function openDocuments(page) {
  // the signed-in frame is there (its Sign out button shows on a phone too)
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  if (!(await nav.isVisible())) await page.getByRole('button', { name: 'Menu' }).click();
  await nav.getByRole('link', { name: 'Documents' }).click();
  await page.getByRole('heading', { level: 1, name: 'Documents' }).waitFor();
}

async function openDocument(page, title) {
  await openDocuments(page);
  await page.getByRole('link', { name: title, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

let admin;
let me;
let analyst;
/** Documents a test created and did not get to delete (it failed half-way). */
const leftovers = new Set();

before(async () => {
  admin = await apiLogin(USERS.admin);
  me = (await admin('GET', '/auth/me')).body;
  const users = (await admin('GET', '/users?page_size=100')).body.items;
  analyst = users.find((u) => u.email === USERS.analyst);
  assert.ok(analyst, 'the demo analyst exists');
});
after(async () => {
  for (const id of leftovers) await admin('DELETE', `/documents/${id}`);
  await closeBrowser();
});

const fullName = (u) => `${u.first_name} ${u.last_name}`;

describe('documents', () => {
  test('a document from opening to deletion, with its permissions', async () => {
    const title = `E2E story ${stamp()}`;
    const body = 'First line\nSecond line\n\n<b>not bold</b> & <script>alert(1)</script>';
    const created = await admin('POST', '/documents', { title, body });
    assert.equal(created.status, 201);
    const id = created.body.id;
    leftovers.add(id);

    const page = await newPage();
    await login(page);
    await shotOnFailure(page, 'document-story', async () => {
    // the list
    await openDocuments(page);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: title, exact: true }) });
    await row.waitFor();
    assert.match(await row.innerText(), /Owner/);
    await assertAccessible(page, 'the documents list');
    await screenshot(page, 'documents-list');
    await page.getByLabel('Show archived').check();
    await page.waitForURL(/archived=1/);
    await page.getByLabel('Show archived').uncheck();
    await page.waitForURL((u) => !u.search.includes('archived'));

    // open it: plain text with its line breaks, and one view recorded
    await page.getByRole('link', { name: title, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    const text = page.getByRole('region', { name: 'Document text' });
    assert.equal(await text.locator('b, script').count(), 0, 'the body is never HTML');
    assert.match(await text.innerText(), /First line\nSecond line\n\n<b>not bold<\/b> & <script>/);
    const timeline = page.getByRole('region', { name: 'Activity' });
    await timeline.getByText(`${fullName(me)} viewed the document`).waitFor();
    const views = await eventually(async () => {
      const r = await admin('GET', `/audit-logs?resource_type=document&resource_id=${id}&action=document.view`);
      return r.body.total >= 1 ? r.body : null;
    }, { message: 'the document.view entry' });
    assert.equal(views.total, 1, 'one view per opening');
    assert.equal(views.items[0].user.id, me.id);
    assert.equal(views.items[0].source, 'client');
    await assertAccessible(page, 'the document page');
    await screenshot(page, 'document-page');

    // edit
    const newTitle = `${title} (edited)`;
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByLabel('Title').fill(newTitle);
    await page.getByLabel('Text').fill('Rewritten\nby the admin');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: newTitle }).waitFor();
    const afterEdit = await admin('GET', `/documents/${id}`);
    assert.equal(afterEdit.body.title, newTitle);
    assert.equal(afterEdit.body.body, 'Rewritten\nby the admin');
    assert.equal(afterEdit.body.version, 2);
    await timeline.getByText(/updated the document/).waitFor();

    // archive and back (the page shows it at once; the API has it)
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await page.locator('.doc-meta').getByText('Archived', { exact: true }).waitFor();
    await eventually(async () => (await admin('GET', `/documents/${id}`)).body.archived === true, { message: 'archived' });
    await page.getByRole('button', { name: 'Unarchive', exact: true }).click();
    await page.locator('.doc-meta').getByText('Archived', { exact: true }).waitFor({ state: 'detached' });
    await eventually(async () => (await admin('GET', `/documents/${id}`)).body.archived === false, { message: 'unarchived' });

    // permissions: add the analyst as viewer, make them editor
    await page.getByRole('button', { name: 'Permissions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Permissions' });
    await dialog.getByLabel(`Access for ${fullName(me)}`).waitFor();
    await dialog.getByLabel('User', { exact: true }).selectOption(analyst.id);
    await dialog.getByLabel('Level', { exact: true }).selectOption('viewer');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status', { name: 'Notifications' }).getByText('Permissions saved.').waitFor();
    const grantOf = async (userId) =>
      (await admin('GET', `/documents/${id}/permissions`)).body.permissions.find((p) => p.user_id === userId)?.level;
    assert.equal(await grantOf(analyst.id), 'viewer');

    const access = dialog.getByLabel(`Access for ${fullName(analyst)}`);
    await access.selectOption('editor');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await eventually(async () => (await grantOf(analyst.id)) === 'editor', { message: 'the editor grant' });
    await dialog.getByRole('button', { name: 'Save changes', disabled: true }).waitFor();
    await assertAccessible(page, 'the permissions dialog');
    await screenshot(page, 'document-permissions');

    // removing the only owner: the server's 409, in words, in the dialog
    await dialog.getByRole('button', { name: `Remove ${fullName(me)}` }).click();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.getByRole('alert').getByText(/at least one owner/).waitFor();
    assert.equal(await grantOf(me.id), 'owner', 'the owner kept their grant');
    await assertAccessible(page, 'the permissions dialog with the 409');
    await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();
    await dialog.waitFor({ state: 'hidden' });

    // the analyst (editor now): editor controls, but no Delete or Permissions
    const editor = await newPage();
    await login(editor, USERS.analyst);
    await openDocument(editor, newTitle);
    await editor.getByRole('button', { name: 'Edit', exact: true }).waitFor();
    assert.equal(await editor.getByRole('button', { name: 'Archive' }).count(), 1);
    assert.equal(await editor.getByRole('button', { name: 'Delete' }).count(), 0);
    assert.equal(await editor.getByRole('button', { name: 'Permissions' }).count(), 0);
    assert.match(await editor.locator('.doc-meta').innerText(), /Your access:\s*Editor/);
    assertNoConsoleErrors(editor, SIGNED_OUT);
    await editor.context().close();

    // the viewer has no grant: "Document not found"
    const stranger = await newPage();
    await login(stranger, USERS.viewer, PASSWORD, `/documents/${id}`);
    await stranger.getByRole('heading', { level: 1, name: 'Document not found' }).waitFor();
    assert.equal(await stranger.getByRole('button', { name: 'Edit' }).count(), 0);
    await assertAccessible(stranger, 'document not found');
    assertNoConsoleErrors(stranger, [...SIGNED_OUT, /status of (403|404)/]);
    await stranger.context().close();

    // delete, behind the confirm dialog
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete this document?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Delete document' }).click();
    await page.getByRole('heading', { level: 1, name: 'Documents' }).waitFor();
    await eventually(async () => (await admin('GET', `/documents/${id}`)).status === 404, { message: 'the deletion' });
    leftovers.delete(id);
    // the list may show its cached page until the refetch after the deletion lands
    await page.getByRole('link', { name: newTitle, exact: true }).waitFor({ state: 'detached' });
    assertNoConsoleErrors(page, [...SIGNED_OUT, /status of 409/]);
    });
    await page.context().close();
  });

  test('a member creates a document in the dialog', async () => {
    const page = await newPage();
    await login(page, USERS.analyst);
    await openDocuments(page);
    await page.getByRole('button', { name: 'New document' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New document' });
    await dialog.getByRole('button', { name: 'Create document' }).click();
    await dialog.getByText('Enter a title.').waitFor();
    assert.equal(await dialog.getByLabel('Title').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'the new-document dialog with an error');

    const title = `E2E new ${stamp()}`;
    await dialog.getByLabel('Title').fill(title);
    await dialog.getByLabel('Text').fill('Made in the dialog');
    await dialog.getByRole('button', { name: 'Create document' }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    const id = new URL(page.url()).pathname.split('/').pop();

    const api = await apiLogin(USERS.analyst);
    const doc = await api('GET', `/documents/${id}`);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.title, title);
    assert.equal(doc.body.permission, 'owner', 'the creator owns it');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
    assert.equal((await api('DELETE', `/documents/${id}`)).status, 204);
  });

  test('a viewer cannot create documents', async () => {
    const page = await newPage();
    await login(page, USERS.viewer);
    await openDocuments(page);
    await page.getByRole('table').or(page.getByText('No documents yet')).first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'New document' }).count(), 0);
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });

  test('on a phone the list and a document fit the screen', async () => {
    const title = `E2E phone ${stamp()} with a rather long title that has to wrap on a small screen`;
    const created = await admin('POST', '/documents', { title, body: 'x'.repeat(300) + '\n' + 'word '.repeat(80) });
    assert.equal(created.status, 201);
    leftovers.add(created.body.id);
    const page = await newPage(PHONE);
    await login(page);
    await openDocuments(page);
    await page.getByRole('link', { name: title, exact: true }).waitFor();
    assert.equal(await hasHorizontalScroll(page), false, 'the list scrolls sideways');
    await screenshot(page, 'documents-list-phone');
    await page.getByRole('link', { name: title, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    await page.getByRole('region', { name: 'Activity' }).getByText(/viewed the document/).waitFor();
    assert.equal(await hasHorizontalScroll(page), false, 'the document scrolls sideways');
    await assertAccessible(page, 'the document page on a phone');
    await screenshot(page, 'document-page-phone');
    await page.getByRole('button', { name: 'Permissions' }).click();
    await page.getByRole('dialog', { name: 'Permissions' }).getByRole('button', { name: 'Add', exact: true }).waitFor();
    assert.equal(await hasHorizontalScroll(page), false, 'the permissions dialog scrolls sideways');
    await screenshot(page, 'document-permissions-phone');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
    assert.equal((await admin('DELETE', `/documents/${created.body.id}`)).status, 204);
    leftovers.delete(created.body.id);
  });
});
