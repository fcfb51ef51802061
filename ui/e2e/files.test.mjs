// Documents as files end to end: an editor uploads a PDF (progress to the end, version 1
// listed), uploads a second version, downloads version 1 (the browser's download, its
// bytes); the timeline shows the upload and the download; a canceled upload stores
// nothing; a type outside the allowlist shows the server's words; a viewer sees the
// versions but no upload control; the phone layout. Each test creates its documents.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  BASE_URL,
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

const stamp = () => `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

/**
 * A small valid PDF (one page per entry of `pages`, Helvetica text), with a correct
 * cross-reference table so that poppler (the watermark) reads it without repairs.
 * `padding` bytes of a comment make it as large as a test needs.
 */
export function makePdf(pages, padding = 0) {
  const objects = [];
  const n = pages.length;
  // 1 catalog, 2 pages, 3 font, then per page: page object, content stream
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  const kids = pages.map((_, i) => `${4 + i * 2} 0 R`).join(' ');
  objects[2] = `<< /Type /Pages /Kids [${kids}] /Count ${n} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  pages.forEach((text, i) => {
    const safe = text.replace(/[\\()]/g, (c) => `\\${c}`);
    const stream = `BT /F1 24 Tf 72 720 Td (${safe}) Tj ET`;
    objects[4 + i * 2] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`;
    objects[5 + i * 2] = `<< /Length ${Buffer.byteLength(stream)} >>\nstream\n${stream}\nendstream`;
  });
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  if (padding > 0) {
    // comment lines of at most 200 characters
    const line = `%${'p'.repeat(199)}\n`;
    out += line.repeat(Math.ceil(padding / line.length));
  }
  const offsets = [];
  const buf = [Buffer.from(out, 'latin1')];
  let pos = buf[0].length;
  for (let i = 1; i < objects.length; i++) {
    offsets[i] = pos;
    const b = Buffer.from(`${i} 0 obj\n${objects[i]}\nendobj\n`, 'latin1');
    buf.push(b);
    pos += b.length;
  }
  const xref = [`xref\n0 ${objects.length}\n`, '0000000000 65535 f \n'];
  for (let i = 1; i < objects.length; i++) xref.push(`${String(offsets[i]).padStart(10, '0')} 00000 n \n`);
  xref.push(`trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${pos}\n%%EOF\n`);
  buf.push(Buffer.from(xref.join(''), 'latin1'));
  return Buffer.concat(buf);
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

async function openDocument(page, id, title) {
  await page.goto(`/documents/${id}`);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  return page.getByRole('region', { name: 'File', exact: true });
}

/** On failure, a screenshot of where the page was (e2e-output/fail-<name>.png). */
async function shotOnFailure(page, name, fn) {
  try {
    await fn();
  } catch (err) {
    await screenshot(page, `fail-${name}`).catch(() => {});
    throw err;
  }
}

let admin;
let analyst;
let viewer;
const leftovers = new Set();

/** A document owned by the admin, the analyst an editor and the viewer a viewer of it. */
async function sharedDocument(prefix) {
  const title = `${prefix} ${stamp()}`;
  const created = await admin('POST', '/documents', { title, body: 'The file is the document.' });
  assert.equal(created.status, 201);
  leftovers.add(created.body.id);
  const perms = await admin('PATCH', `/documents/${created.body.id}/permissions`, {
    permissions: [
      { user_id: analyst.id, level: 'editor' },
      { user_id: viewer.id, level: 'viewer' },
    ],
  });
  assert.equal(perms.status, 200, JSON.stringify(perms.body));
  return { id: created.body.id, title };
}

/** The raw upload through the API (to set up a state or to learn the server's words). */
async function apiUpload(email, id, name, bytes) {
  const login = await fetch(`${BASE_URL}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: process.env.MAPLAT_E2E_PASSWORD ?? 'maplat-demo-password' }),
  });
  const { access_token: token } = await login.json();
  const r = await fetch(`${BASE_URL}/api/v1/documents/${id}/versions?filename=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
  return { status: r.status, body: await r.json() };
}

before(async () => {
  admin = await apiLogin(USERS.admin);
  const users = (await admin('GET', '/users?page_size=100')).body.items;
  analyst = users.find((u) => u.email === USERS.analyst);
  viewer = users.find((u) => u.email === USERS.viewer);
  assert.ok(analyst && viewer, 'the demo analyst and viewer exist');
});
after(async () => {
  for (const id of leftovers) await admin('DELETE', `/documents/${id}`);
  await closeBrowser();
});

const fullName = (u) => `${u.first_name} ${u.last_name}`;

describe('document files', () => {
  test('an editor uploads two versions and downloads the first; the timeline shows both', async () => {
    const { id, title } = await sharedDocument('E2E files');
    const v1 = makePdf(['Confidential information memorandum', 'Page two'], 20_000);
    const v2 = makePdf(['Confidential information memorandum, final']);
    const page = await newPage();
    await login(page, USERS.analyst);
    await shotOnFailure(page, 'files-story', async () => {
      const files = await openDocument(page, id, title);
      await files.getByText('No file yet').waitFor();
      await assertAccessible(page, 'a document without a file');

      // version 1, chosen with the file input
      await files.getByLabel('Upload a file').setInputFiles({ name: 'CIM draft.pdf', mimeType: 'application/pdf', buffer: v1 });
      await page.getByRole('status', { name: 'Notifications' }).getByText('Version 1 uploaded: CIM draft.pdf').waitFor();
      assert.equal(await files.getByRole('progressbar').count(), 0, 'the progress bar is gone when done');
      const row1 = files.getByRole('row').filter({ has: page.getByRole('cell', { name: 'CIM draft.pdf' }) });
      await row1.waitFor();
      assert.match(await row1.innerText(), new RegExp(`\\b${Math.round((v1.length / 1024) * 10) / 10} KB`));
      assert.match(await row1.innerText(), /PDF/);
      assert.match(await row1.innerText(), new RegExp(fullName(analyst)));
      await files.getByText(/Latest: version 1/).waitFor();

      const listed = await admin('GET', `/documents/${id}/versions`);
      assert.equal(listed.status, 200);
      assert.equal(listed.body.items.length, 1);
      assert.equal(listed.body.items[0].sha256, sha256(v1), 'the server stored the bytes chosen');
      assert.equal(listed.body.items[0].size, v1.length);
      assert.equal(listed.body.items[0].file_name, 'CIM draft.pdf');
      // the short SHA-256 shown, the full one a click away
      await row1.getByText(`${sha256(v1).slice(0, 12)}…`).click();
      await row1.getByText(sha256(v1), { exact: true }).waitFor();

      // version 2, dropped on the drop zone (the chooser now says "Upload new version")
      await files.getByLabel('Upload new version').waitFor();
      const dropped = await page.evaluateHandle(({ b64, name }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: 'application/pdf' }));
        return dt;
      }, { b64: v2.toString('base64'), name: 'CIM final.pdf' });
      const zone = files.getByText('or drop a file here');
      await zone.dispatchEvent('dragenter', { dataTransfer: dropped });
      await zone.dispatchEvent('dragover', { dataTransfer: dropped });
      await zone.dispatchEvent('drop', { dataTransfer: dropped });
      await page.getByRole('status', { name: 'Notifications' }).getByText('Version 2 uploaded: CIM final.pdf').waitFor();
      await files.getByText(/Latest: version 2/).waitFor();
      // the versions table is its own query: it may still be refetching when the latest shows
      await files.getByRole('row').filter({ has: page.getByRole('cell', { name: 'CIM final.pdf' }) }).waitFor();
      const numbers = await files.locator('tbody tr td:first-child').allInnerTexts();
      assert.deepEqual(numbers, ['2', '1'], 'newest first');
      const doc = await admin('GET', `/documents/${id}`);
      assert.equal(doc.body.latest_version?.version, 2);

      // the chooser is reached with the keyboard, its button-like label shows the focus
      await files.getByRole('button', { name: 'Download latest' }).focus();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'file');
      const ring = await files.locator('label', { hasText: 'Upload new version' }).evaluate((l) => getComputedStyle(l).outlineStyle);
      assert.equal(ring, 'solid', 'the focused chooser shows a focus ring');

      // download version 1: the browser's download, named and sized as stored
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        files.getByRole('button', { name: 'Download version 1' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'CIM draft.pdf');
      const bytes = await readFile(await download.path());
      await page.getByRole('status', { name: 'Notifications' }).getByText(/Downloaded CIM draft\.pdf/).waitFor();
      const entry = await eventually(async () => {
        const r = await admin('GET', `/audit-logs?resource_type=document&resource_id=${id}&action=document.download`);
        return r.body.items?.[0];
      }, { message: 'the document.download entry' });
      assert.equal(entry.details.version, 1);
      assert.equal(entry.user.id, analyst.id);
      assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
      if (entry.details.watermarked) {
        assert.notEqual(sha256(bytes), sha256(v1), 'a watermarked copy differs from the original');
      } else {
        assert.equal(sha256(bytes), sha256(v1), 'the bytes downloaded are the bytes uploaded');
      }

      // the timeline tells the story in words
      const timeline = page.getByRole('region', { name: 'Activity' });
      const who = fullName(analyst);
      await timeline.getByText(`${who} uploaded version 1 (CIM draft.pdf)`).waitFor();
      await timeline.getByText(`${who} uploaded version 2 (CIM final.pdf)`).waitFor();
      await timeline.getByText(new RegExp(`^${who} downloaded version 1${entry.details.watermarked ? ' \\(watermarked\\)' : ''}$`)).waitFor();

      await assertAccessible(page, 'the document with its versions');
      // the notifications closed for the picture (each also closes by itself after a
      // few seconds: one may go between counting and clicking, so never wait on a click)
      const toasts = page.getByRole('status', { name: 'Notifications' }).getByRole('button', { name: 'Dismiss notification' });
      await eventually(async () => {
        if ((await toasts.count()) === 0) return true;
        await toasts.first().click({ timeout: 2_000 }).catch(() => {});
        return false;
      }, { message: 'the notifications closed' });
      await page.getByRole('heading', { level: 2, name: 'File', exact: true }).evaluate((h) => {
        h.scrollIntoView();
        window.scrollBy(0, -72); // below the sticky top bar
      });
      await screenshot(page, 'document-files');

      // the documents list says that the document has a file
      await page.goto('/documents');
      const listRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: title, exact: true }) });
      await listRow.getByText('CIM final.pdf').waitFor();
      assert.match(await listRow.innerText(), /version 2/);
    });
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });

  test('an upload shows its progress and can be canceled; nothing is stored', async () => {
    const { id, title } = await sharedDocument('E2E cancel');
    const big = makePdf(['A large file'], 3 * 1024 * 1024);
    const page = await newPage();
    await login(page, USERS.analyst);
    await shotOnFailure(page, 'files-cancel', async () => {
      const files = await openDocument(page, id, title);
      await files.getByText('No file yet').waitFor();
      // a slow line (about 128 KB/s up: 3 MB take some 24 s, time for the checks below
      // on a loaded machine; the upload is canceled, so the line costs no time) so the
      // upload is still on its way
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 20,
        downloadThroughput: -1,
        uploadThroughput: 128 * 1024,
      });
      await files.getByLabel('Upload a file').setInputFiles({ name: 'Data tape.pdf', mimeType: 'application/pdf', buffer: big });
      const bar = files.getByRole('progressbar', { name: 'Uploading Data tape.pdf: progress' });
      await bar.waitFor();
      // progress is reported as the bytes go (some, not all)
      await eventually(async () => Number(await bar.getAttribute('value')) > 0, { message: 'upload progress above 0 %', timeout: 30_000 });
      const pct = Number(await bar.getAttribute('value'));
      assert.ok(pct < 100, `still uploading (${pct} %)`);
      await files.getByText(/\d+ %/).waitFor();
      assert.equal(await files.getByLabel('Upload a file').isDisabled(), true, 'one transfer at a time');
      await assertAccessible(page, 'an upload in progress');
      await screenshot(page, 'document-files-uploading');
      await files.getByRole('button', { name: 'Cancel upload' }).click();
      await page.getByRole('status', { name: 'Notifications' }).getByText('The upload of Data tape.pdf was canceled; nothing was stored.').waitFor();
      await bar.waitFor({ state: 'detached' });
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      const listed = await admin('GET', `/documents/${id}/versions`);
      assert.equal(listed.body.total, 0, 'a canceled upload leaves no version');
      await files.getByText('No file yet').waitFor();
    });
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });

  test('a file type outside the allowlist shows the server’s words', async () => {
    const { id, title } = await sharedDocument('E2E refused');
    // a Windows program: MZ header and some code-like bytes
    const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'), Buffer.alloc(2048, 0x90)]);
    const expected = await apiUpload(USERS.analyst, id, 'probe.exe', exe);
    assert.equal(expected.status, 415, 'the server refuses a program');
    const detail = expected.body.detail;
    const page = await newPage();
    await login(page, USERS.analyst);
    await shotOnFailure(page, 'files-refused', async () => {
      const files = await openDocument(page, id, title);
      await files.getByText('No file yet').waitFor();
      await files.getByLabel('Upload a file').setInputFiles({ name: 'setup.exe', mimeType: 'application/octet-stream', buffer: exe });
      const alert = files.getByRole('alert');
      await alert.waitFor();
      const text = await alert.innerText();
      assert.match(text, /^setup\.exe was not uploaded\./);
      assert.ok(text.toLowerCase().includes(detail.toLowerCase()), `the server's words (${detail}) in "${text}"`);
      await assertAccessible(page, 'a refused upload');
      await screenshot(page, 'document-files-refused');
      assert.equal((await admin('GET', `/documents/${id}/versions`)).body.total, 0);
    });
    assertNoConsoleErrors(page, [...SIGNED_OUT, failedRequest(415, `documents/${id}/versions\\?filename=setup\\.exe`)]);
    await page.context().close();
  });

  test('a viewer sees the versions and downloads with progress, but cannot upload', async () => {
    const { id, title } = await sharedDocument('E2E viewer');
    const up = await apiUpload(USERS.analyst, id, 'Teaser.pdf', makePdf(['Teaser']));
    assert.equal(up.status, 201, JSON.stringify(up.body));
    // version 2: a 1.5 MB CSV, served as stored (only PDFs are watermarked)
    const row = 'deal,stage,value,owner,notes\n';
    const csv = Buffer.from(row + 'Kestrel,loi,1250000,Amelia Hart,"first round"\n'.repeat(Math.ceil(1.5e6 / 44)));
    const up2 = await apiUpload(USERS.analyst, id, 'Data tape.csv', csv);
    assert.equal(up2.status, 201, JSON.stringify(up2.body));
    const page = await newPage();
    await login(page, USERS.viewer);
    await shotOnFailure(page, 'files-viewer', async () => {
      const files = await openDocument(page, id, title);
      await files.getByRole('cell', { name: 'Teaser.pdf' }).waitFor();
      assert.equal(await page.getByLabel(/Upload/).count(), 0, 'no upload control for a viewer');
      assert.equal(await page.getByText(/drop a file/).count(), 0);

      // the latest (the CSV) on a slow line: the progress shows, then the browser saves it
      // (128 KB/s: 1.5 MB take some 12 s, time for the checks while it downloads on a
      // loaded machine; at 512 KB/s it was over in 3 s)
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 20,
        downloadThroughput: 128 * 1024,
        uploadThroughput: -1,
      });
      const saved = page.waitForEvent('download', { timeout: 120_000 });
      await files.getByRole('button', { name: 'Download latest' }).click();
      const bar = files.getByRole('progressbar', { name: 'Downloading the latest version: progress' });
      await bar.waitFor();
      await eventually(async () => Number(await bar.getAttribute('value')) > 0, { message: 'download progress above 0 %', timeout: 30_000 });
      assert.ok(Number(await bar.getAttribute('value')) < 100, 'still downloading');
      await files.getByText(/ of 1\.\d MB$/).waitFor();
      assert.equal(await files.getByRole('button', { name: 'Download version 1' }).isDisabled(), true, 'one transfer at a time');
      const download = await saved;
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      assert.equal(download.suggestedFilename(), 'Data tape.csv');
      const csvBytes = await readFile(await download.path());
      assert.equal(sha256(csvBytes), sha256(csv), 'the CSV comes as it was uploaded');
      await bar.waitFor({ state: 'detached' });

      // version 1, the PDF
      const [pdfDownload] = await Promise.all([
        page.waitForEvent('download'),
        files.getByRole('button', { name: 'Download version 1' }).click(),
      ]);
      assert.equal(pdfDownload.suggestedFilename(), 'Teaser.pdf');
      const bytes = await readFile(await pdfDownload.path());
      assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
      const timeline = page.getByRole('region', { name: 'Activity' });
      await timeline.getByText(new RegExp(`${fullName(viewer)} downloaded version 2$`)).waitFor();
      await timeline.getByText(new RegExp(`${fullName(viewer)} downloaded version 1`)).waitFor();
      await assertAccessible(page, 'the versions as a viewer');
    });
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });

  test('on a phone the file workspace fits the screen', async () => {
    const { id, title } = await sharedDocument('E2E files phone');
    for (const name of ['Management accounts FY2025 with a long name to wrap.pdf', 'Management accounts.pdf']) {
      const up = await apiUpload(USERS.analyst, id, name, makePdf([name]));
      assert.equal(up.status, 201, JSON.stringify(up.body));
    }
    const page = await newPage(PHONE);
    await login(page, USERS.analyst);
    await shotOnFailure(page, 'files-phone', async () => {
      const files = await openDocument(page, id, title);
      await files.getByRole('button', { name: 'Download version 1' }).waitFor();
      assert.equal(await hasHorizontalScroll(page), false, 'the file workspace scrolls sideways');
      await assertAccessible(page, 'the file workspace on a phone');
      await page.getByRole('heading', { level: 2, name: 'File', exact: true }).evaluate((h) => {
        h.scrollIntoView();
        window.scrollBy(0, -72); // below the sticky top bar
      });
      await screenshot(page, 'document-files-phone');
    });
    assertNoConsoleErrors(page, SIGNED_OUT);
    await page.context().close();
  });
});
