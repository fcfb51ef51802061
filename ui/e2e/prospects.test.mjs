// The prospects board: drag and drop with the mouse and the keyboard, the stage saved
// through the API, a refused move rolled back, viewers read-only, accessibility, phone.
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
  eventually,
  failedRequest,
  hasHorizontalScroll,
  login,
  newPage,
  screenshot,
} from './helpers.mjs';

const RUN = `${Date.now()}-${process.pid}`;
let admin;

async function createProspect(name, extra = {}) {
  const res = await admin('POST', '/prospects', {
    company_name: name,
    contact_name: 'Pat Example',
    contact_email: `pat.${RUN}@example.com`,
    stage: 'new',
    ...extra,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function stageOf(id) {
  const res = await admin('GET', `/prospects/${id}`);
  assert.equal(res.status, 200);
  return res.body.stage;
}

const column = (page, stage) => page.getByRole('region', { name: stage, exact: true });
const card = (page, stage, company) => column(page, stage).getByRole('button', { name: company });

async function openBoard(page, email = USERS.admin) {
  await login(page, email, undefined, '/prospects');
  await page.getByRole('heading', { level: 1, name: 'Prospects' }).waitFor();
  await column(page, 'Lost').waitFor();
}

/** A mouse drag as a person does it: press, move a little (dnd's threshold), travel, release. */
async function mouseDrag(page, from, toColumn, { shot } = {}) {
  const box = await from.boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 8, y + 8, { steps: 4 });
  await page.locator('[data-dragging="true"]').waitFor();
  const list = toColumn.locator('.prospect-list');
  const target = await list.boundingBox();
  await page.mouse.move(target.x + target.width / 2, target.y + 40, { steps: 20 });
  await toColumn.locator('.prospect-list[data-dragging-over="true"]').waitFor();
  if (shot) await screenshot(page, shot);
  await page.mouse.up();
}

/** Space lifts the focused card, arrows move it between stages, Space drops it. */
async function keyboardMove(page, cardLocator, rights, targetColumn) {
  await cardLocator.focus();
  await page.keyboard.press('Space');
  await page.locator('[data-dragging="true"]').waitFor();
  for (let i = 0; i < rights; i++) await page.keyboard.press('ArrowRight');
  await targetColumn.locator('.prospect-list[data-dragging-over="true"]').waitFor();
  await page.keyboard.press('Space');
}

describe('prospects board', () => {
  before(async () => {
    admin = await apiLogin(USERS.admin);
  });
  after(closeBrowser);

  test('cards move with the mouse and with the keyboard, and the stage is saved', async () => {
    const a = await createProspect(`Mouse Moved Ltd ${RUN}`);
    const b = await createProspect(`Keyboard Moved Ltd ${RUN}`);
    const page = await newPage();
    await openBoard(page);

    // Six stage columns, in order, named as shown.
    const names = await page.getByRole('region').evaluateAll((els) =>
      els.map((el) => document.getElementById(el.getAttribute('aria-labelledby') ?? '')?.textContent),
    );
    assert.deepEqual(names, ['New', 'Contacted', 'Qualified', 'Engaged', 'Converted', 'Lost']);
    await card(page, 'New', a.company_name).waitFor();
    await card(page, 'New', b.company_name).waitFor();
    await assertAccessible(page, 'the prospects board');
    await screenshot(page, 'prospects-board');

    // Mouse: New -> Qualified.
    await mouseDrag(page, card(page, 'New', a.company_name), column(page, 'Qualified'), { shot: 'prospects-dragging' });
    await card(page, 'Qualified', a.company_name).waitFor();
    await eventually(async () => (await stageOf(a.id)) === 'qualified', { message: 'the mouse move saved' });
    // After the refetch it is still there.
    await page.waitForLoadState('networkidle');
    await card(page, 'Qualified', a.company_name).waitFor();

    // Keyboard: New -> (Contacted) -> Qualified.
    await keyboardMove(page, card(page, 'New', b.company_name), 2, column(page, 'Qualified'));
    await card(page, 'Qualified', b.company_name).waitFor();
    await eventually(async () => (await stageOf(b.id)) === 'qualified', { message: 'the keyboard move saved' });

    // The screen reader hears stage names.
    const live = await page.locator('[aria-live]').allTextContents();
    assert.ok(live.some((t) => t.includes(`${b.company_name} moved from New to Qualified`)), JSON.stringify(live));

    // A drop in its own column changes nothing.
    const before = (await admin('GET', `/prospects/${b.id}`)).body.version;
    await keyboardMove(page, card(page, 'Qualified', b.company_name), 0, column(page, 'Qualified'));
    await card(page, 'Qualified', b.company_name).waitFor();
    assert.equal((await admin('GET', `/prospects/${b.id}`)).body.version, before);

    // A tablet: the board scrolls inside itself, the page does not.
    await page.setViewportSize({ width: 768, height: 900 });
    await card(page, 'Qualified', b.company_name).waitFor();
    assert.equal(await hasHorizontalScroll(page), false, 'the tablet page scrolls sideways');

    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });

  test('a move the server refuses (412) puts the card back and says why', async () => {
    const c = await createProspect(`Conflicted Ltd ${RUN}`);
    const page = await newPage();
    await openBoard(page);
    await card(page, 'New', c.company_name).waitFor();

    // Someone else changes the prospect behind the board's back.
    const changed = await admin('PATCH', `/prospects/${c.id}`, { contact_name: `Someone Else ${RUN}` });
    assert.equal(changed.status, 200);

    await keyboardMove(page, card(page, 'New', c.company_name), 2, column(page, 'Qualified'));
    await page
      .getByRole('status', { name: 'Notifications' })
      .getByText(`Someone else changed ${c.company_name} — the board has been refreshed`)
      .waitFor();
    await card(page, 'New', c.company_name).waitFor();
    // The refreshed board shows the other person's change.
    await card(page, 'New', `Someone Else ${RUN}`).waitFor();
    await card(page, 'Qualified', c.company_name).waitFor({ state: 'detached' });
    assert.equal(await stageOf(c.id), 'new');

    assertNoConsoleErrors(page, [...SIGNED_OUT, /status of 412/]);
    await page.context().close();
  });

  test('new prospect and card details in dialogs, with server errors at the fields', async () => {
    const page = await newPage();
    await openBoard(page);
    const name = `Dialog Made Ltd ${RUN}`;

    await page.getByRole('button', { name: 'New prospect' }).click();
    const dialog = page.getByRole('dialog', { name: 'New prospect' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Create prospect' }).click();
    await dialog.getByText('must be 1 to 200 characters').waitFor();
    assert.equal(await dialog.getByLabel('Company').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'the new prospect dialog with errors');
    await dialog.getByLabel('Company').fill(name);
    await dialog.getByLabel('Contact name').fill('Robin Test');
    await dialog.getByLabel('Stage').selectOption('contacted');
    await dialog.getByRole('button', { name: 'Create prospect' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await card(page, 'Contacted', name).waitFor();

    // Enter opens the details; editors change fields there.
    await card(page, 'Contacted', name).focus();
    await page.keyboard.press('Enter');
    const details = page.getByRole('dialog', { name });
    await details.waitFor();
    await assertAccessible(page, 'the prospect details dialog');
    await details.getByLabel('Contact email').fill('robin@example.com');
    await details.getByRole('button', { name: 'Save changes' }).click();
    await details.waitFor({ state: 'hidden' });
    await card(page, 'Contacted', 'robin@example.com').waitFor();
    const list = await admin('GET', '/prospects?page_size=100');
    const made = list.body.items.find((p) => p.company_name === name);
    assert.equal(made.contact_email, 'robin@example.com');

    // Delete behind a confirmation.
    await card(page, 'Contacted', name).click();
    await details.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('alertdialog', { name: `Delete ${name}?` });
    await confirm.waitFor();
    await assertAccessible(page, 'the delete confirmation');
    await confirm.getByRole('button', { name: 'Delete prospect' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await card(page, 'Contacted', name).waitFor({ state: 'detached' });
    assert.equal((await admin('GET', `/prospects/${made.id}`)).status, 404);

    assertNoConsoleErrors(page, [...SIGNED_OUT, failedRequest(422, 'prospects')]);
    await page.context().close();
  });

  test('viewers see the board read-only and cannot drag', async () => {
    const v = await createProspect(`Viewer Sees Ltd ${RUN}`);
    const page = await newPage();
    await openBoard(page, USERS.viewer);
    await page.getByText('You have read-only access').waitFor();
    assert.equal(await page.getByRole('button', { name: 'New prospect' }).count(), 0);

    const theCard = card(page, 'New', v.company_name);
    const box = await theCard.boundingBox();
    const target = await column(page, 'Qualified').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(target.x + target.width / 2, target.y + 80, { steps: 15 });
    assert.equal(await page.locator('[data-dragging="true"]').count(), 0);
    await page.mouse.up();
    await theCard.waitFor();
    assert.equal(await stageOf(v.id), 'new');

    // The card opens read-only.
    await theCard.focus();
    await page.keyboard.press('Enter');
    const details = page.getByRole('dialog', { name: v.company_name });
    await details.waitFor();
    assert.equal(await details.getByRole('textbox').count(), 0);
    await assertAccessible(page, 'the read-only prospect details');
    await details.getByRole('button', { name: 'Close' }).first().click();
    await details.waitFor({ state: 'hidden' });

    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });

  test('on a phone the columns stack and the page does not scroll sideways', async () => {
    await createProspect(`Phone Shown Ltd ${RUN}`);
    const page = await newPage(PHONE);
    await openBoard(page);
    await card(page, 'New', `Phone Shown Ltd ${RUN}`).waitFor();
    assert.equal(await hasHorizontalScroll(page), false, 'the page scrolls sideways');
    await assertAccessible(page, 'the board on a phone');
    await screenshot(page, 'prospects-phone');
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });
});
