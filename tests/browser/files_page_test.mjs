// The Files page end to end in headless Chromium (Debian's), driven by playwright-core: sign in
// with a token, make a folder, upload by the file input (a small file, and one large enough for
// a resumable session), upload from a URL, see sizes, rename, download and compare bytes, delete.
// Run by tests/integration/files_page_test.sh, which starts the server and passes:
//   STRATA_URL, STRATA_TOKEN, SITE_URL (a static server with model.bin), FILES_DIR (the local
//   files: small.bin, large.bin, model.bin), SCREENSHOT_DIR.
import { chromium } from 'playwright-core';
import { readFileSync, statSync } from 'node:fs';
import assert from 'node:assert/strict';

const { STRATA_URL, STRATA_TOKEN, SITE_URL, FILES_DIR, SCREENSHOT_DIR } = process.env;
const file = (name) => `${FILES_DIR}/${name}`;
let step = 'start';
const steps = [];
const check = async (name, fn) => {
  step = name;
  await fn();
  steps.push(name);
};

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 }, acceptDownloads: true });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => d.accept());  // confirm() of Delete
  const row = (name) => page.locator(`#rows tr[data-name="${name}"]`);
  // The app's own dialog (ask()): fill its fields and press OK.
  const answer = async (first, second) => {
    await page.locator('#ask').waitFor({ state: 'visible' });
    await page.fill('#ask-input', first);
    if (second !== undefined) await page.fill('#ask-input2', second);
    await page.click('#ask-ok');
  };

  await check('a wrong token is refused', async () => {
    await page.goto(STRATA_URL);
    await page.fill('#token', 'strata_' + '0'.repeat(64));
    await page.click('#login-form button');
    await page.locator('#login-error').filter({ hasText: 'not valid' }).waitFor();
    assert.equal(await page.isVisible('#files'), false);
  });
  if (SCREENSHOT_DIR) await page.screenshot({ path: `${SCREENSHOT_DIR}/files-page-sign-in.png` });

  await check('sign in', async () => {
    await page.fill('#token', STRATA_TOKEN);
    await page.click('#login-form button');
    await page.locator('#files').waitFor({ state: 'visible' });
    assert.equal(await page.inputValue('#volume'), 'weights');
  });

  await check('new folder', async () => {
    await page.click('#new-folder');
    await answer('models');
    await row('models').waitFor();
    await row('models').locator('a.dir').click();
    await page.locator('#crumbs').filter({ hasText: 'models' }).waitFor();
  });

  await check('upload by the file input, listed with its size', async () => {
    await page.setInputFiles('#file-input', [file('small.bin'), file('large.bin')]);
    for (const name of ['small.bin', 'large.bin']) {
      await row(name).waitFor({ timeout: 60000 });
      const title = await row(name).locator('td.num').getAttribute('title');
      assert.equal(title, `${statSync(file(name)).size} bytes`, name);
    }
  });

  await check('upload from a URL', async () => {
    await page.click('#from-url');
    await answer(`${SITE_URL}/model.bin`, 'from-url.bin');
    await row('from-url.bin').waitFor({ timeout: 60000 });
    const title = await row('from-url.bin').locator('td.num').getAttribute('title');
    assert.equal(title, `${statSync(file('model.bin')).size} bytes`);
  });
  if (SCREENSHOT_DIR) await page.screenshot({ path: `${SCREENSHOT_DIR}/files-page.png` });

  await check('rename', async () => {
    await row('small.bin').getByRole('button', { name: 'Rename' }).click();
    await answer('renamed.bin');
    await row('renamed.bin').waitFor();
    assert.equal(await row('small.bin').count(), 0);
  });

  await check('download, same bytes', async () => {
    for (const [name, original] of [['renamed.bin', 'small.bin'], ['large.bin', 'large.bin']]) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        row(name).getByRole('button', { name: 'Download' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), name);
      const saved = await download.path();
      assert.ok(readFileSync(saved).equals(readFileSync(file(original))), `${name} bytes differ`);
    }
  });

  await check('delete', async () => {
    await row('renamed.bin').getByRole('button', { name: 'Delete' }).click();
    await row('renamed.bin').waitFor({ state: 'detached' });
    await page.locator('#crumbs a').first().click();
    await row('models').waitFor();
  });

  assert.deepEqual(errors, [], 'errors in the page');
  console.log(`files page: ${steps.length} steps passed (${steps.join('; ')})`);
} catch (err) {
  console.error(`files page: FAILED at "${step}": ${err.stack || err}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
