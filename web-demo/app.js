// ocigen web demo: renders on every edit with the core compiled to WebAssembly.
// The render goes through `renderRequest`, the same entry the CLI and the golden tests use.
import init, { renderRequest, configJson, version } from './pkg/ocigen_wasm.js';
import { SERVICES, SNAPSHOTS } from './presets.js';
import { lineDiff, hunks } from './diff.js';

const $ = (id) => document.getElementById(id);
const CUSTOM = '__custom__';

/** Side inputs of the chosen example (image config, passwd, group), kept while the YAML is edited. */
let example = null;
/** config.json text of the last successful render, for the download. */
let lastConfig = '';

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function snapshotLabel(s) {
  return s.description ? `${s.stem} — ${s.description}` : s.stem;
}

function fillPickers() {
  for (const s of SERVICES) $('example').append(el('option', { value: s.stem }, s.stem));
  for (const id of ['snapshot', 'diff-a', 'diff-b']) {
    for (const s of SNAPSHOTS) $(id).append(el('option', { value: s.stem, title: s.description }, s.stem));
  }
  $('snapshot').append(el('option', { value: CUSTOM }, 'Paste your own `ocigen probe` output…'));
  for (const o of $('snapshot').options) {
    const snap = SNAPSHOTS.find((s) => s.stem === o.value);
    if (snap) o.textContent = snapshotLabel(snap);
  }
  // Sensible first views: a web service on a plain root host; the diff contrasts GPU and no GPU.
  pick('example', ['web', SERVICES[0]?.stem]);
  pick('snapshot', ['nogpu-v2-root', SNAPSHOTS[0]?.stem]);
  pick('diff-a', ['nvidia-h200-v2-nested', 'nvidia-8gpu-cdi-v2-root', SNAPSHOTS[0]?.stem]);
  pick('diff-b', ['nogpu-v2-root', SNAPSHOTS[1]?.stem]);
}

function pick(id, candidates) {
  const values = [...$(id).options].map((o) => o.value);
  const v = candidates.find((c) => c && values.includes(c));
  if (v) $(id).value = v;
}

function loadExample() {
  example = SERVICES.find((s) => s.stem === $('example').value) || null;
  $('yaml').value = example ? example.text : '';
  $('options').value = example && example.options ? JSON.stringify(example.options, null, 2) : '';
  const side = example ? ['image_config', 'passwd', 'group'].filter((k) => example[k] !== null) : [];
  $('side-inputs').textContent = side.length ? `This example also passes the image's ${side.join(', ')}.` : '';
}

function snapshotText(stem) {
  if (stem === CUSTOM) return $('custom-snapshot').value;
  const snap = SNAPSHOTS.find((s) => s.stem === stem);
  return snap ? snap.json : '';
}

/** The render request for the current editor contents on snapshot `stem`; or a local error. */
function buildRequest(stem) {
  let options = null;
  const text = $('options').value.trim();
  if (text) {
    try {
      options = JSON.parse(text);
    } catch (e) {
      return { error: { code: 'E_PARSE', field: 'options', message: `render options: invalid JSON: ${e.message}` } };
    }
  }
  return {
    request: {
      service_file: `${example ? example.stem : 'service'}.yaml`,
      service_text: $('yaml').value,
      snapshot_json: snapshotText(stem),
      options,
      image_config: example ? example.image_config : null,
      passwd: example ? example.passwd : null,
      group: example ? example.group : null,
      // The request's preset overrides the options', so the picker works with blank options.
      preset: $('preset').value,
    },
  };
}

/** Render on snapshot `stem`: {ok, envelope, config} or {ok: false, error}. */
function renderOn(stem) {
  const built = buildRequest(stem);
  if (built.error) return { ok: false, error: built.error };
  const envelopeText = renderRequest(JSON.stringify(built.request));
  const envelope = JSON.parse(envelopeText);
  if (!envelope.ok) return { ok: false, error: envelope.error };
  return { ok: true, envelope, config: configJson(envelopeText) };
}

function showError(error) {
  $('error').hidden = !error;
  if (!error) return;
  $('error-code').textContent = error.code;
  $('error-field').textContent = error.field || '(no field)';
  $('error-message').textContent = error.message;
}

function showDiagnostics(list) {
  const ul = $('diagnostics');
  ul.replaceChildren();
  for (const d of list) {
    const li = el('li', { class: d.severity }, el('strong', {}, d.code), ` (${d.severity}) `);
    if (d.field) li.append(el('span', { class: 'field' }, d.field), ': ');
    li.append(d.message);
    ul.append(li);
  }
  if (!list.length) ul.append(el('li', {}, 'none'));
  $('diag-count').textContent = `(${list.length})`;
}

function showBundleFiles(files) {
  const box = $('bundle-files');
  box.replaceChildren();
  for (const f of files) {
    const mode = `0${f.mode.toString(8)}`;
    box.append(
      el('div', { class: 'bundle-file' }, el('span', { class: 'bundle-path' }, f.path), ` mode ${mode}`, el('pre', { class: 'code' }, f.contents)),
    );
  }
  if (!files.length) box.append(el('p', { class: 'note' }, 'none (config.json only)'));
  $('bundle-count').textContent = `(${files.length})`;
}

function renderMain() {
  const stem = $('snapshot').value;
  $('custom-box').hidden = stem !== CUSTOM;
  const snap = SNAPSHOTS.find((s) => s.stem === stem);
  $('snapshot-description').textContent = snap ? snap.description : '';
  const r = renderOn(stem);
  showError(r.ok ? null : r.error);
  lastConfig = r.ok ? r.config : '';
  $('config').textContent = r.ok ? r.config : '(no output: fix the error above)';
  $('download').disabled = !r.ok;
  showDiagnostics(r.ok ? r.envelope.diagnostics : []);
  showBundleFiles(r.ok ? r.envelope.bundle_files : []);
}

function renderDiff() {
  const [a, b] = [$('diff-a').value, $('diff-b').value];
  const ra = renderOn(a);
  const rb = renderOn(b);
  const side = (r) => (r.ok ? r.config : `error ${r.error.code} at ${r.error.field || '(no field)'}: ${r.error.message}\n`);
  const ops = lineDiff(side(ra), side(rb));
  const shown = hunks(ops, 3);
  const pre = $('diff');
  pre.replaceChildren();
  const cls = { '+': 'add', '-': 'del', '@': 'gap', ' ': 'same' };
  for (const o of shown) pre.append(el('span', { class: cls[o.op] }, `${o.op === '@' ? '' : `${o.op} `}${o.text}\n`));
  const added = ops.filter((o) => o.op === '+').length;
  const removed = ops.filter((o) => o.op === '-').length;
  $('diff-summary').textContent = added + removed ? `${removed} line(s) removed, ${added} added` : 'identical';
}

function renderAll() {
  renderMain();
  renderDiff();
}

function download() {
  if (!lastConfig) return;
  const url = URL.createObjectURL(new Blob([lastConfig], { type: 'application/json' }));
  const a = el('a', { href: url, download: 'config.json' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// Tab in the editors inserts two spaces (YAML forbids tabs for indentation).
function softTabs(textarea) {
  textarea.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab' || e.shiftKey) return;
    e.preventDefault();
    textarea.setRangeText('  ', textarea.selectionStart, textarea.selectionEnd, 'end');
    textarea.dispatchEvent(new Event('input'));
  });
}

async function main() {
  await init();
  $('version').textContent = version();
  fillPickers();
  loadExample();
  $('example').addEventListener('change', () => {
    loadExample();
    renderAll();
  });
  for (const id of ['yaml', 'options', 'custom-snapshot']) $(id).addEventListener('input', renderAll);
  $('preset').addEventListener('change', renderAll);
  $('snapshot').addEventListener('change', renderMain);
  for (const id of ['diff-a', 'diff-b']) $(id).addEventListener('change', renderDiff);
  $('download').addEventListener('click', download);
  softTabs($('yaml'));
  renderAll();
  $('loading').hidden = true;
  document.body.dataset.ready = 'true';
  // The marker tests wait for (attached only once the first render is on screen).
  document.body.append(el('div', { id: 'ready', hidden: '' }));
}

main().catch((e) => {
  $('loading').textContent = `Could not start the renderer: ${e}`;
  document.body.dataset.ready = 'failed';
});
