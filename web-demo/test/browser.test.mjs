// Browser test of the web page: Debian's Chromium driven by playwright-core.
// Usage: node test/browser.test.mjs <page url>   (test/run.sh serves the page and calls this)
// This file holds the rendering checks; checks-tools.mjs the diff, fleet, explain,
// keyboard, accessibility and responsiveness checks.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { toolChecks } from './checks-tools.mjs';

const url = process.argv[2];
if (!url) throw new Error('usage: node browser.test.mjs <url>');
const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
  ],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
const page = await context.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));

let passed = 0;
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    await page.screenshot({ path: join(artifacts, 'failure.png'), fullPage: true }).catch(() => {});
    console.error(`not ok - ${name}\n${e.stack || e}`);
    await browser.close();
    process.exit(1);
  }
}

/** Wait until no render is pending or running (the page's own scheduler says). */
const idle = () => page.evaluate(() => window.ocigenPage.idle());
const configText = () => page.locator('#config').textContent();
const config = async () => JSON.parse(await configText());
const yaml = () => page.evaluate(() => window.ocigenPage.text);
/** Replace the editor's text as an edit would (fires the page's change handler), then settle. */
const setYaml = async (text) => {
  await page.evaluate((t) => window.ocigenPage.setText(t), text);
  await idle();
};
const select = async (id, value) => {
  await page.locator(`#${id}`).selectOption(value);
  await idle();
};
const h = { page, check, idle, config, configText, yaml, setYaml, select, assert, artifacts, context };

await check('page loads and renders the default example', async () => {
  const started = Date.now();
  await page.goto(url);
  await page.waitForSelector('#ready', { state: 'attached', timeout: 60000 });
  console.log(`# first render on screen ${Date.now() - started} ms after navigation`);
  await page.evaluate(() => localStorage.clear());
  assert.equal(await page.locator('#example').inputValue(), 'web');
  assert.equal(await page.locator('#snapshot').inputValue(), 'nogpu-v2-root');
  const c = await config();
  assert.equal(c.ociVersion.startsWith('1.'), true, 'config.json has an ociVersion');
  assert.ok(Array.isArray(c.process.args), 'process.args rendered');
  assert.equal(await page.locator('#error').isHidden(), true, 'no error on the default example');
  assert.ok((await page.locator('#snapshot option').count()) >= 10, 'snapshot presets + pasted');
  assert.match(await page.locator('#status').textContent(), /Rendered on nogpu-v2-root in \d+ ms/);
});

await check('changing memory in the YAML changes linux.resources.memory.limit', async () => {
  const text = await yaml();
  assert.match(text, /memory: 256Mi/);
  assert.equal((await config()).linux.resources.memory.limit, 256 * 1024 * 1024);
  await setYaml(text.replace('memory: 256Mi', 'memory: 1Gi'));
  assert.equal((await config()).linux.resources.memory.limit, 1024 * 1024 * 1024);
});

await check('an invalid value: error at its field and editor line, last good output kept', async () => {
  const text = await yaml();
  await setYaml(text.replace('memory: 1Gi', 'memory: lots'));
  await page.locator('#error').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#error-field').textContent(), 'services.web.resources.memory');
  assert.match(await page.locator('#error-message').textContent(), /expected a size/);
  const line = text.split('\n').findIndex((l) => l.includes('memory:')) + 1;
  assert.match(await page.locator('#error-where').textContent(), new RegExp(`Line ${line}, column \\d+`));
  // The editor marks that line (CodeMirror's lint gutter and an underline).
  await page.locator('.cm-lint-marker-error').first().waitFor();
  await page.locator('.cm-lintRange-error').first().waitFor();
  // The last good config stays on screen, said to be stale.
  assert.equal((await config()).linux.resources.memory.limit, 1024 * 1024 * 1024);
  assert.match(await page.locator('#status').textContent(), /last good render/);
  await setYaml(text.replace('memory: 1Gi', 'memory: 256Mi'));
  await page.locator('#error').waitFor({ state: 'hidden' });
  assert.equal(await page.locator('.cm-lint-marker-error').count(), 0, 'mark cleared');
});

await check('download gives the config.json shown', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
  assert.equal(download.suggestedFilename(), 'config.json');
  const saved = readFileSync(await download.path(), 'utf8');
  assert.equal(saved, await configText());
  assert.ok(saved.endsWith('}\n'), 'canonical config.json ends with a newline');
});

await check('switching to a rootless snapshot adds a user namespace', async () => {
  const userNs = async () => (await config()).linux.namespaces.some((n) => n.type === 'user');
  assert.equal(await userNs(), false, 'rootful render has no user namespace');
  await select('snapshot', 'rootless-v2-user-slice');
  assert.equal(await page.locator('#error').isHidden(), true, 'rootless render succeeds');
  assert.equal(await userNs(), true, 'rootless render has a user namespace');
  assert.ok((await config()).linux.uidMappings.length > 0, 'rootless render maps uids');
});

await check('the preset picker switches capabilities and the seccomp profile', async () => {
  await select('snapshot', 'nogpu-v2-root');
  const c = await config();
  assert.equal(c.linux.seccomp.defaultErrnoRet, 1, 'Docker profile: EPERM');
  assert.equal(c.process.capabilities.effective.length, 14);
  await select('preset', 'podman');
  const p = await config();
  assert.equal(p.linux.seccomp.defaultErrnoRet, 38, 'Podman profile: ENOSYS');
  assert.equal(p.process.capabilities.effective.length, 11);
  assert.equal(p.linux.resources.pids.limit, 2048);
  await select('preset', 'docker');
});

await check("an example's image config is dropped when the image changes", async () => {
  const text = await yaml();
  assert.equal((await config()).process.user.uid, 101, "nginx's image config runs as uid 101");
  assert.match(await page.locator('#side-inputs').textContent(), /also passes its image/);
  await setYaml(text.replace('docker.io/library/nginx:1.27', 'docker.io/library/alpine:3.20'));
  assert.match(await page.locator('#side-inputs').textContent(), /not used/);
  // Without nginx's entrypoint, the service names no command: the error says so.
  assert.equal(await page.locator('#error-field').textContent(), 'services.web.command');
  await page.locator('#reset-example').click();
  await idle();
  assert.equal((await config()).process.user.uid, 101, 'reset brings the example back');
});

await check('diagnostics show their field paths and mark the editor', async () => {
  // storage-all has network-tier and s3 volumes, which warn naming the volume's field.
  await select('example', 'storage-all');
  await select('snapshot', 'nogpu-v2-root');
  const fields = await page.locator('#diagnostics .field').allTextContents();
  assert.ok(fields.some((f) => f.startsWith('services.')), `diagnostic fields: ${fields}`);
  await page.locator('.cm-lint-marker-warning').first().waitFor();
});

await check('pasting your own probe output renders with it', async () => {
  await select('snapshot', '__pasted__');
  await page.locator('#custom-snapshot').fill('{"snapshot_version": 1');
  await idle();
  await page.locator('#error').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#error-code').textContent(), 'E_PARSE');
  const { SNAPSHOTS } = await import('../presets.js');
  const rootless = SNAPSHOTS.find((s) => s.stem === 'rootless-v2-user-slice');
  await page.locator('#custom-snapshot').fill(rootless.json);
  await idle();
  await page.locator('#error').waitFor({ state: 'hidden' });
  assert.ok((await config()).linux.namespaces.some((n) => n.type === 'user'), 'pasted rootless snapshot used');
  await select('snapshot', 'nogpu-v2-root');
});

await toolChecks(h);

await page.screenshot({ path: join(artifacts, 'screenshot.png'), fullPage: true });
await browser.close();
assert.deepEqual(pageErrors, [], 'no JavaScript errors on the page');
console.log(`browser test: ${passed} checks passed; screenshot in ${join(artifacts, 'screenshot.png')}`);
