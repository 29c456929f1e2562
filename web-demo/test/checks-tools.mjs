// The page's tools, checked in the browser: click-to-explain, the semantic diff (the same
// changes as `ocigen diff`), the fleet view and host picking, a keyboard-only walk, an axe
// accessibility check, a 2,000-entry service, and state kept across a reload.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');

export async function toolChecks({ page, check, idle, config, yaml, setYaml, select, assert }) {
  await check('clicking a field of config.json shows its source', async () => {
    await select('example', 'web');
    await select('snapshot', 'nogpu-v2-root');
    const line = page.locator('#config .line', { hasText: '"limit": 268435456' });
    await line.click();
    await idle();
    assert.equal(await page.locator('#explain-field').textContent(), 'linux.resources.memory.limit');
    const sources = await page.locator('#explain-list').textContent();
    assert.match(sources, /service field services\.web\.resources\.memory/);
    assert.match(sources, /\[resources pass\]/);
    // A leaf inside a recorded element is explained by that element (the core's one filter).
    await page.locator('#config .line', { hasText: '"destination": "/usr/share/nginx/html"' }).click();
    await idle();
    assert.match(await page.locator('#explain-list').textContent(), /services\.web\.storage\[0\]/);
    // The keyboard reaches the same: focus the file, move, Enter.
    await page.locator('#config').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await idle();
    assert.notEqual(await page.locator('#explain-field').textContent(), '');
  });

  await check('the diff view shows the same changes as `ocigen diff`', async () => {
    // host-native/tests/cli_diff.rs writes this golden from the real CLI.
    const cli = JSON.parse(readFileSync(join(repo, 'host-native/tests/golden/diff-fuse-dev.json'), 'utf8'));
    await select('example', 'fuse-dev');
    await select('diff-a', 'nogpu-v2-root');
    await select('diff-b', 'rootless-v2-user-slice');
    const shown = await page.locator('#diff-list > li').evaluateAll((items) => items.map((li) => li.dataset.path));
    assert.deepEqual(shown, cli.changes.map((c) => c.path));
    const kinds = await page.locator('#diff-list > li').evaluateAll((items) => items.map((li) => li.className.replace('change ', '')));
    assert.deepEqual(kinds, cli.changes.map((c) => c.kind));
    const text = await page.locator('#diff-list').textContent();
    assert.match(text, /from host fact subuid \[namespaces pass\]/, 'sources on both sides');
    assert.match(await page.locator('#diff-summary').textContent(), new RegExp(`^${cli.changes.length} changes`));
  });

  await check('a diff where both sides fail says so, not "identical"', async () => {
    await select('example', 'gpu-inference');
    await select('diff-a', 'nogpu-v2-root');
    await select('diff-b', 'amd-v2-root');
    assert.match(await page.locator('#diff-summary').textContent(), /both fail the same way \(fails: E_UNSATISFIABLE/);
    await select('diff-b', 'nvidia-h200-v2-nested');
    assert.match(await page.locator('#diff-summary').textContent(), /A fails: E_UNSATISFIABLE.*B renders/);
    assert.equal(await page.locator('#diff-list > li').count(), 1, 'one outcome change, not a wall of lines');
  });

  await check('a pasted snapshot can be one side of the diff', async () => {
    await select('example', 'fuse-dev');
    await select('diff-a', 'nogpu-v2-root');
    await select('diff-b', '__pasted__');
    // The pasted rootless snapshot of the earlier check is still there.
    const cli = JSON.parse(readFileSync(join(repo, 'host-native/tests/golden/diff-fuse-dev.json'), 'utf8'));
    assert.match(await page.locator('#diff-summary').textContent(), new RegExp(`^${cli.changes.length} changes from nogpu-v2-root to pasted snapshot`));
  });

  await check('a GPU example moves to a host that can run it; the fleet view lists every host', async () => {
    await select('snapshot', 'nogpu-v2-root');
    await select('example', 'gpu-inference');
    const host = await page.locator('#snapshot').inputValue();
    assert.ok(host.startsWith('nvidia-'), `moved to an NVIDIA host, not ${host}: note "${await page.locator('#host-note').textContent()}", fleet: ${await page.locator('#fleet-summary').textContent()}, example ${await page.locator('#example').inputValue()}`);
    assert.match(await page.locator('#host-note').textContent(), /cannot run on nogpu-v2-root \(E_UNSATISFIABLE/);
    assert.equal(await page.locator('#error').isHidden(), true, 'it renders there');
    const rows = page.locator('#fleet tbody tr');
    // The CLI's fleet golden over the example hosts, plus the pasted (rootless, GPU-less) one.
    const head = readFileSync(join(repo, 'host-native/tests/golden/fleet-gpu-inference.txt'), 'utf8').split('\n')[0];
    const [, hosts, renders, fails] = head.match(/on (\d+) hosts: (\d+) render, (\d+) fail/).map(Number);
    assert.equal(await rows.count(), hosts + 1, 'the example hosts + the pasted one');
    assert.match(await page.locator('#fleet-summary').textContent(), new RegExp(`${hosts + 1} hosts: ${renders} render, ${fails + 1} fail`));
    const amd = await page.locator('#fleet tr[data-host="amd-v2-root"]').textContent();
    assert.match(amd, /E_UNSATISFIABLE at services\.inference\.resources\.gpu\.count; facts: cdi, nvidia_gpus/);
    // "Use this host" switches the page to that host.
    await page.locator('#fleet tr[data-host="nvidia-h200-cdi"] button').click();
    await idle();
    assert.equal(await page.locator('#snapshot').inputValue(), 'nvidia-h200-cdi');
    assert.ok((await config()).hooks, 'the CDI host adds its hooks');
  });

  await check('keyboard only: Tab reaches every control and leaves the editor (Esc, Tab)', async () => {
    await select('example', 'web');
    await page.locator('#example').focus();
    const wanted = ['example', 'reset-example', 'snapshot', 'paste-box', 'preset', 'editor', 'options-box', 'download', 'config', 'diff-a', 'diff-b', 'fleet-baseline', 'use-host'];
    const reached = new Set();
    let insideEditor = false;
    for (let i = 0; i < 120 && wanted.some((w) => !reached.has(w)); i++) {
      const where = await page.evaluate(() => {
        const a = document.activeElement;
        if (a.closest('.cm-editor')) return 'editor';
        if (a.tagName === 'SUMMARY') return a.parentElement.id;
        if (a.dataset.host) return 'use-host';
        return a.id || a.tagName;
      });
      reached.add(where);
      if (where === 'editor' && !insideEditor) {
        insideEditor = true;
        // Tab alone indents (stays in the editor); Esc then Tab moves on.
        const before = await yaml();
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => Boolean(document.activeElement.closest('.cm-editor'))), true);
        assert.notEqual(await yaml(), before, 'Tab indented');
        await page.keyboard.press('Control+z');
        await page.keyboard.press('Escape');
      }
      await page.keyboard.press('Tab');
    }
    const missed = wanted.filter((w) => !reached.has(w));
    assert.deepEqual(missed, [], `reached: ${[...reached].join(', ')}`);
    await idle();
  });

  await check('accessibility: axe finds no WCAG 2 A/AA violations (labels, contrast)', async () => {
    await page.addScriptTag({ path: join(here, '../node_modules/axe-core/axe.min.js') });
    const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }));
    const found = result.violations.map((v) => `${v.id}: ${v.nodes.length} node(s), e.g. ${v.nodes[0].target.join(' ')}`);
    assert.deepEqual(found, []);
    console.log(`# axe: ${result.passes.length} rules passed`);
  });

  await check('a 2,000-entry service stays responsive while it renders', async () => {
    await select('example', 'bare-service');
    const base = await yaml();
    const env = Array.from({ length: 2000 }, (_, i) => `  VAR_${i}: "value-${i}"`).join('\n');
    const big = `${base}env:\n${env}\n`;
    assert.ok(big.includes('VAR_1999'), 'the big service has 2,000 env entries');
    // While the worker renders, the main thread answers: typing lands at once.
    await page.evaluate((t) => window.ocigenPage.setText(t), big);
    let worst = 0;
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
      worst = Math.max(worst, Date.now() - started);
    }
    const started = Date.now();
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('# typed');
    await page.waitForFunction(() => window.ocigenPage.text.includes('# typed'), null, { timeout: 10000 });
    const typed = Date.now() - started;
    await idle();
    const c = await config();
    assert.ok(c.process.env.filter((e) => e.startsWith('VAR_')).length === 2000, 'all 2,000 rendered');
    // A generous bound: a frozen page takes seconds per key.
    assert.ok(worst < 1000 && typed < 5000, `main thread answered within ${worst} ms, a key landed in ${typed} ms`);
    console.log(`# 2,000 entries: main thread worst ${worst} ms, key to screen ${typed} ms; ${await page.locator('#status').textContent()}`);
  });

  await check('edits and choices survive a reload (localStorage)', async () => {
    await select('example', 'web');
    const text = (await yaml()).replace('memory: 256Mi', 'memory: 300Mi');
    await setYaml(text);
    await select('preset', 'podman');
    await page.waitForTimeout(400); // the page saves 300 ms after the last change
    await page.reload();
    await page.waitForSelector('#ready', { state: 'attached', timeout: 60000 });
    await idle();
    assert.equal(await yaml(), text);
    assert.equal(await page.locator('#preset').inputValue(), 'podman');
    assert.equal((await config()).linux.resources.memory.limit, 300 * 1024 * 1024);
    await select('preset', 'docker');
  });
}
