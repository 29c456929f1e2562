// Browser test of the web demo: Debian's Chromium driven by playwright-core.
// Usage: node test/browser.test.mjs <page url>   (test/run.sh serves the page and calls this)
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const url = process.argv[2];
if (!url) throw new Error('usage: node browser.test.mjs <url>');
const artifacts = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));

let passed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    await page.screenshot({ path: join(artifacts, 'failure.png'), fullPage: true }).catch(() => {});
    console.error(`not ok - ${name}\n${e.stack || e}`);
    await browser.close();
    process.exit(1);
  }
}

const configText = () => page.locator('#config').textContent();
const config = async () => JSON.parse(await configText());
/** Replace the YAML editor's text the way typing would (fires `input`). */
const setYaml = (text) => page.locator('#yaml').fill(text);

await check('page loads and renders the default example', async () => {
  await page.goto(url);
  await page.waitForSelector('#ready', { state: 'attached', timeout: 30000 });
  assert.equal(await page.locator('#example').inputValue(), 'web');
  const c = await config();
  assert.equal(c.ociVersion.startsWith('1.'), true, 'config.json has an ociVersion');
  assert.ok(Array.isArray(c.process.args), 'process.args rendered');
  assert.equal(await page.locator('#error').isHidden(), true, 'no error on the default example');
  assert.ok((await page.locator('#snapshot option').count()) >= 9, 'snapshot presets + paste option');
});

await check('changing memory in the YAML changes linux.resources.memory.limit', async () => {
  const yaml = await page.locator('#yaml').inputValue();
  assert.match(yaml, /memory: 256Mi/);
  assert.equal((await config()).linux.resources.memory.limit, 256 * 1024 * 1024);
  await setYaml(yaml.replace('memory: 256Mi', 'memory: 1Gi'));
  assert.equal((await config()).linux.resources.memory.limit, 1024 * 1024 * 1024);
});

await check('an invalid value shows an error naming the field', async () => {
  const yaml = await page.locator('#yaml').inputValue();
  await setYaml(yaml.replace('memory: 1Gi', 'memory: lots'));
  await page.locator('#error').waitFor({ state: 'visible' });
  const field = await page.locator('#error-field').textContent();
  assert.equal(field, 'services.web.resources.memory');
  assert.match(await page.locator('#error-message').textContent(), /memory/);
  assert.equal(await page.locator('#download').isDisabled(), true, 'nothing to download on error');
  await setYaml(yaml.replace('memory: 1Gi', 'memory: 256Mi'));
  await page.locator('#error').waitFor({ state: 'hidden' });
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
  await page.locator('#snapshot').selectOption('rootless-v2-user-slice');
  assert.equal(await page.locator('#error').isHidden(), true, 'rootless render succeeds');
  assert.equal(await userNs(), true, 'rootless render has a user namespace');
  assert.ok((await config()).linux.uidMappings.length > 0, 'rootless render maps uids');
});

await check('the preset picker switches capabilities and the seccomp profile', async () => {
  await page.locator('#snapshot').selectOption('nogpu-v2-root');
  const c = await config();
  assert.equal(c.linux.seccomp.defaultErrnoRet, 1, 'Docker profile: EPERM');
  assert.equal(c.process.capabilities.effective.length, 14);
  await page.locator('#preset').selectOption('podman');
  const p = await config();
  assert.equal(p.linux.seccomp.defaultErrnoRet, 38, 'Podman profile: ENOSYS');
  assert.equal(p.process.capabilities.effective.length, 11);
  assert.equal(p.linux.resources.pids.limit, 2048);
  await page.locator('#preset').selectOption('docker');
});

await check('diagnostics show their field paths', async () => {
  // storage-all has network-tier and s3 volumes, which warn naming the volume's field.
  await page.locator('#example').selectOption('storage-all');
  await page.locator('#snapshot').selectOption('nogpu-v2-root');
  const fields = await page.locator('#diagnostics .field').allTextContents();
  assert.ok(fields.some((f) => f.startsWith('services.')), `diagnostic fields: ${fields}`);
});

await check('diff view shows the device changes between NVIDIA and no-GPU snapshots', async () => {
  // A GPU *resource* is unsatisfiable on a host without GPUs (the diff would be config vs
  // error), so pass NVIDIA nodes through as plain devices: present on the NVIDIA host,
  // absent (skipped, with a warning) on the other.
  await page.locator('#example').selectOption('fuse-dev');
  const yaml = await page.locator('#yaml').inputValue();
  const extra = '      - path: /dev/nvidiactl\n      - path: /dev/nvidia0\n';
  await setYaml(yaml.replace('    devices:\n', `    devices:\n${extra}`));
  await page.locator('#diff-a').selectOption('nvidia-8gpu-cdi-v2-root');
  await page.locator('#diff-b').selectOption('nogpu-v2-root');
  const removed = await page.locator('#diff .del').allTextContents();
  const added = await page.locator('#diff .add').allTextContents();
  for (const dev of ['/dev/nvidia0', '/dev/nvidiactl']) {
    assert.ok(removed.some((l) => l.includes(`"path": "${dev}"`)), `${dev} removed; removed lines: ${removed}`);
  }
  assert.ok(![...removed, ...added].some((l) => l.includes('error E_')), 'both sides render');
  assert.ok(removed.length + added.length < 80, `a device-level diff, not the whole file: ${removed.length}-/${added.length}+`);
  assert.match(await page.locator('#diff-summary').textContent(), /removed/);
  // On the no-GPU host the skipped devices are reported with their field path.
  await page.locator('#snapshot').selectOption('nogpu-v2-root');
  const diag = await page.locator('#diagnostics').textContent();
  assert.match(diag, /W005_DEVICE_MISSING/);
  assert.match(diag, /services\.sshfs\.devices/);
  await page.locator('#diff').scrollIntoViewIfNeeded();
});

await check('pasting your own probe output renders with it', async () => {
  await page.locator('#snapshot').selectOption('__custom__');
  await page.locator('#custom-snapshot').fill('{"snapshot_version": 1');
  await page.locator('#error').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#error-code').textContent(), 'E_PARSE');
  const { SNAPSHOTS } = await import('../presets.js');
  const rootless = SNAPSHOTS.find((s) => s.stem === 'rootless-v2-user-slice');
  await page.locator('#custom-snapshot').fill(rootless.json);
  await page.locator('#error').waitFor({ state: 'hidden' });
  assert.ok((await config()).linux.namespaces.some((n) => n.type === 'user'), 'pasted rootless snapshot used');
  await page.locator('#snapshot').selectOption('nvidia-8gpu-cdi-v2-root');
});

await page.screenshot({ path: join(artifacts, 'screenshot.png'), fullPage: true });
await browser.close();
assert.deepEqual(pageErrors, [], 'no JavaScript errors on the page');
console.log(`browser test: ${passed} checks passed; screenshot in ${join(artifacts, 'screenshot.png')}`);
