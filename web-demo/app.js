// ocigen web page: inputs, state and scheduling. Rendering, diffs and the fleet check run in
// worker.js (the core compiled to WebAssembly) so typing never waits for them; what comes
// back is drawn by views.js.
import { createEditor } from './vendor/editor.js';
import { SERVICES, SNAPSHOTS } from './presets.js';
import { $, el, showBundleFiles, showConfig, showDiagnostics, showDiff, showExplain, showFleet } from './views.js';

const PASTED = '__pasted__';
const STORE = 'ocigen.page.v1';
/** Quiet time after an edit before rendering, and before the heavier fleet check. */
const DEBOUNCE_MS = 150;
const FLEET_DEBOUNCE_MS = 500;

// ---- state kept across reloads (localStorage) ----------------------------------------------
const saved = (() => {
  try {
    return JSON.parse(localStorage.getItem(STORE)) || {};
  } catch {
    return {};
  }
})();
const state = {
  example: saved.example,
  texts: saved.texts || {}, // edited service text per example
  options: saved.options || {}, // edited render options per example
  detached: saved.detached || {}, // examples whose image config the user detached
  snapshot: saved.snapshot,
  preset: saved.preset,
  custom: saved.custom || '',
  diffA: saved.diffA,
  diffB: saved.diffB,
  baseline: saved.baseline,
};
let saveTimer = 0;
function save() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    try {
      localStorage.setItem(STORE, JSON.stringify(state));
    } catch {
      // Private mode or a full quota: the page still works, it just forgets.
    }
  }, 300);
}

// ---- the worker, latest job of each kind only ------------------------------------------------
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let nextId = 1;
const waiting = new Map(); // id -> resolve
const lanes = {}; // kind -> {running, pending: [payload, resolve] | null}
worker.onmessage = (e) => {
  const resolve = waiting.get(e.data.id);
  waiting.delete(e.data.id);
  if (resolve) resolve(e.data);
};
function post(kind, payload) {
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    worker.postMessage({ id, kind, ...payload });
  });
}
/** Run a job; while one of the same kind runs, only the newest waiting one is kept. Resolves
 * with the answer, or with null when a newer job replaced this one. */
function ask(kind, payload) {
  const lane = (lanes[kind] ||= { running: false, pending: null });
  return new Promise((resolve) => {
    if (lane.pending) lane.pending[1](null);
    lane.pending = [payload, resolve];
    pump(kind);
  });
}
async function pump(kind) {
  const lane = lanes[kind];
  if (lane.running || !lane.pending) return;
  const [payload, resolve] = lane.pending;
  lane.pending = null;
  lane.running = true;
  const answer = await post(kind, payload);
  lane.running = false;
  resolve(answer);
  pump(kind);
}

// ---- inputs -----------------------------------------------------------------------------------
let editor;
let example = null;
const timers = {};
function later(name, ms, fn) {
  clearTimeout(timers[name]);
  timers[name] = setTimeout(() => {
    delete timers[name];
    fn();
  }, ms);
}

function snapshotJson(stem) {
  if (stem === PASTED) return $('custom-snapshot').value;
  return SNAPSHOTS.find((s) => s.stem === stem)?.json ?? '';
}
function hostLabel(stem) {
  return stem === PASTED ? 'pasted snapshot' : stem;
}

/** The request for the editor's contents (the snapshot is set per job). */
function baseRequest() {
  const text = $('options').value.trim();
  let options = null;
  if (text) options = JSON.parse(text); // a syntax error is caught by the caller
  return {
    service_file: `${example ? example.stem : 'service'}.yaml`,
    service_text: editor.text,
    options,
    preset: $('preset').value,
  };
}
/** The example's hidden side inputs, while they apply (worker.js drops them when the image changes). */
function sideInputs() {
  if (!example || state.detached[example.stem]) return null;
  const { image_config, passwd, group } = example;
  if (image_config === null && passwd === null && group === null) return null;
  return { example_text: example.text, image_config, passwd, group };
}

function request() {
  try {
    return { request: baseRequest(), side: sideInputs() };
  } catch (e) {
    return { error: { code: 'E_PARSE', field: 'options', message: `render options: invalid JSON: ${e.message}` } };
  }
}

// ---- the main render ----------------------------------------------------------------------------
let lastEnvelopeText = '';
let lastConfig = '';
let renders = 0;

function showError(error, where) {
  $('error').hidden = !error;
  if (!error) return;
  $('error-code').textContent = error.code;
  $('error-field').textContent = error.field || '(no field)';
  $('error-message').textContent = error.message;
  $('error-where').textContent = where || '';
}

async function renderMain() {
  const stem = $('snapshot').value;
  const built = request();
  if (built.error) return failMain(built.error, '');
  const answer = await ask('main', { ...built, request: { ...built.request, snapshot_json: snapshotJson(stem) } });
  if (!answer) return; // replaced by a newer edit
  if (answer.failed) return failMain({ code: 'E_INTERNAL', message: answer.failed }, '');
  renders++;
  document.body.dataset.renders = String(renders);
  editor.mark(answer.marks);
  noteSideInputs(answer.detached);
  const env = answer.envelope;
  if (!env.ok) {
    const at = env.at && env.at.input === 'service' && env.at.line ? `Line ${env.at.line}, column ${env.at.column} of the service: marked in the editor.` : '';
    return failMain(env.error, at);
  }
  showError(null);
  $('outputs').classList.remove('stale');
  lastEnvelopeText = answer.envelopeText;
  lastConfig = answer.view.text;
  showConfig(answer.view);
  showDiagnostics(env.diagnostics);
  showBundleFiles(env.bundle_files);
  $('download').disabled = false;
  $('status').textContent = `Rendered on ${hostLabel(stem)} in ${Math.max(1, Math.round(answer.ms))} ms (in a worker).`;
  if (currentField !== null) explainField(currentField);
}

/** An error beside the last good output, which stays on screen (marked as stale). */
function failMain(error, where) {
  showError(error, where);
  const stale = Boolean(lastConfig);
  $('outputs').classList.toggle('stale', stale);
  $('status').textContent = stale ? 'Showing the last good render (from before this error).' : 'No render yet: fix the error.';
  if (!stale) $('download').disabled = true;
}

function noteSideInputs(detached) {
  const side = example ? ['image_config', 'passwd', 'group'].filter((k) => example[k] !== null) : [];
  if (!side.length) {
    $('side-inputs').textContent = '';
    $('reattach').hidden = true;
    return;
  }
  const off = detached || state.detached[example.stem];
  $('side-inputs').textContent = off
    ? `The example's image files (${side.join(', ')}) are not used: the service names another image than the example's.`
    : `This example also passes its image's ${side.join(', ')}; they are dropped when you change the image.`;
  $('reattach').hidden = !state.detached[example.stem];
  if (detached && !state.detached[example.stem]) {
    state.detached[example.stem] = true;
    $('reattach').hidden = false;
    save();
  }
}

// ---- explain ----------------------------------------------------------------------------------
let currentField = null;
async function explainField(field) {
  currentField = field;
  if (!lastEnvelopeText) return;
  const answer = await ask('explain', { envelopeText: lastEnvelopeText, field });
  if (answer && answer.explain) showExplain(answer.explain);
}
function pickLine(line) {
  for (const l of $('config').querySelectorAll('.line.current')) l.classList.remove('current');
  if (!line) return;
  line.classList.add('current');
  line.scrollIntoView({ block: 'nearest' });
  explainField(line.dataset.field);
}

// ---- diff and fleet -----------------------------------------------------------------------------
async function renderDiff() {
  const built = request();
  if (built.error) return;
  const [a, b] = [$('diff-a').value, $('diff-b').value];
  const answer = await ask('diff', { ...built, a: snapshotJson(a), b: snapshotJson(b) });
  if (answer && answer.diff) showDiff(answer.diff, [hostLabel(a), hostLabel(b)]);
}

function fleetHosts() {
  const hosts = SNAPSHOTS.map((s) => ({ name: s.stem, snapshot_json: s.json }));
  if ($('custom-snapshot').value.trim()) hosts.push({ name: PASTED, snapshot_json: $('custom-snapshot').value });
  return hosts;
}

let pickHostFor = null; // the example just chosen: move to a host that can run it
async function renderFleet() {
  const built = request();
  if (built.error) return;
  const asked = example.stem;
  const answer = await ask('fleet', { ...built, hosts: fleetHosts(), baseline: $('fleet-baseline').value });
  if (!answer || !answer.fleet) return;
  const f = answer.fleet;
  if (f.ok === false) return showFleet(f, $('snapshot').value, useHost);
  // Only an answer about the chosen example may move the host (an older job may finish first).
  if (pickHostFor === asked && example.stem === asked) {
    pickHostFor = null;
    choosePlausibleHosts(f);
  }
  showFleet(f, $('snapshot').value, useHost);
  document.body.dataset.fleet = String(Number(document.body.dataset.fleet || 0) + 1);
}

/** The chosen example cannot run on the current host: move to the first that can, say why. */
function choosePlausibleHosts(f) {
  const current = $('snapshot').value;
  const row = f.rows.find((r) => r.host === current);
  const able = f.rows.filter((r) => r.ok && r.host !== PASTED);
  if (row && !row.ok && able.length) {
    const to = able[0].host;
    $('host-note').textContent = `${example.stem} cannot run on ${current} (${row.error.code} at ${row.error.field || 'the service'}); switched to ${to}, one of the ${able.length} example hosts that can.`;
    setHost(to);
  } else {
    $('host-note').textContent = row && !row.ok ? `${example.stem} runs on none of the example hosts; see the fleet table.` : '';
  }
  // The diff: the host in use against another that renders it, or the one that fails.
  const a = $('snapshot').value;
  const b = able.find((r) => r.host !== a && r.differs.length)?.host || able.find((r) => r.host !== a)?.host || f.rows.find((r) => r.host !== a)?.host;
  if (b) {
    $('diff-a').value = a;
    $('diff-b').value = b;
    state.diffA = a;
    state.diffB = b;
    renderDiff();
  }
}

function setHost(stem) {
  $('snapshot').value = stem;
  onHostChange();
}

function useHost(stem) {
  $('host-note').textContent = `Switched to ${stem}.`;
  setHost(stem);
  renderFleet();
}

// ---- wiring -------------------------------------------------------------------------------------
function scheduleAll() {
  later('main', DEBOUNCE_MS, renderMain);
  later('diff', DEBOUNCE_MS, renderDiff);
  later('fleet', FLEET_DEBOUNCE_MS, renderFleet);
}

function fillPickers() {
  for (const s of SERVICES) $('example').append(el('option', { value: s.stem }, s.stem));
  for (const id of ['snapshot', 'diff-a', 'diff-b']) {
    for (const s of SNAPSHOTS) $(id).append(el('option', { value: s.stem, title: s.description }, id === 'snapshot' && s.description ? `${s.stem} — ${s.description}` : s.stem));
    $(id).append(el('option', { value: PASTED }, 'pasted snapshot (below)'));
  }
}

function pick(id, candidates) {
  const values = [...$(id).options].map((o) => o.value);
  const v = candidates.find((c) => c && values.includes(c));
  if (v) $(id).value = v;
}

function loadExample(stem, { fresh }) {
  example = SERVICES.find((s) => s.stem === stem) || SERVICES[0];
  state.example = example.stem;
  $('example').value = example.stem;
  editor.setText(state.texts[example.stem] ?? example.text);
  $('options').value = state.options[example.stem] ?? (example.options ? JSON.stringify(example.options, null, 2) : '');
  noteSideInputs(false);
  pickHostFor = fresh ? example.stem : null;
  $('host-note').textContent = '';
  save();
  // A fresh example first asks which hosts can run it (and moves to one, see renderFleet).
  if (fresh) later('fleet', 0, renderFleet);
}

function onHostChange() {
  const stem = $('snapshot').value;
  state.snapshot = stem;
  if (stem === PASTED) $('paste-box').open = true;
  $('snapshot-description').textContent = SNAPSHOTS.find((s) => s.stem === stem)?.description || '';
  save();
  later('main', 0, renderMain);
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

/** Resolves once no render is waiting or running (the browser test waits on it). */
async function idle() {
  for (;;) {
    const busy = Object.keys(timers).length || Object.values(lanes).some((l) => l.running || l.pending);
    if (!busy) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main() {
  const { version } = await post('version', {});
  $('version').textContent = version;
  fillPickers();
  editor = createEditor($('editor'), {
    labelledBy: 'editor-label',
    describedBy: 'editor-help',
    onChange(text) {
      if (example) {
        // Only edits are kept: an untouched example follows the shipped file.
        if (text === example.text) delete state.texts[example.stem];
        else state.texts[example.stem] = text;
        save();
      }
      scheduleAll();
    },
  });
  $('custom-snapshot').value = state.custom;
  pick('preset', [state.preset, 'docker']);
  pick('fleet-baseline', [state.baseline, 'majority']);
  pick('snapshot', [state.snapshot, 'nogpu-v2-root', SNAPSHOTS[0]?.stem]);
  pick('diff-a', [state.diffA, 'nvidia-h200-v2-nested', SNAPSHOTS[0]?.stem]);
  pick('diff-b', [state.diffB, 'nogpu-v2-root', SNAPSHOTS[1]?.stem]);
  const restored = Boolean(state.example);
  loadExample(state.example || 'web', { fresh: !restored });
  onHostChange();

  $('example').addEventListener('change', () => loadExample($('example').value, { fresh: true }));
  $('reset-example').addEventListener('click', () => {
    delete state.texts[example.stem];
    delete state.options[example.stem];
    delete state.detached[example.stem];
    loadExample(example.stem, { fresh: true });
  });
  $('reattach').addEventListener('click', () => {
    delete state.detached[example.stem];
    save();
    scheduleAll();
  });
  $('options').addEventListener('input', () => {
    state.options[example.stem] = $('options').value;
    save();
    scheduleAll();
  });
  $('custom-snapshot').addEventListener('input', () => {
    state.custom = $('custom-snapshot').value;
    save();
    scheduleAll();
  });
  $('preset').addEventListener('change', () => {
    state.preset = $('preset').value;
    save();
    scheduleAll();
  });
  $('snapshot').addEventListener('change', () => {
    $('host-note').textContent = '';
    onHostChange();
    later('fleet', 0, renderFleet);
  });
  for (const id of ['diff-a', 'diff-b']) {
    $(id).addEventListener('change', () => {
      state.diffA = $('diff-a').value;
      state.diffB = $('diff-b').value;
      save();
      later('diff', 0, renderDiff);
    });
  }
  $('fleet-baseline').addEventListener('change', () => {
    state.baseline = $('fleet-baseline').value;
    save();
    later('fleet', 0, renderFleet);
  });
  $('download').addEventListener('click', download);
  const config = $('config');
  config.addEventListener('click', (e) => pickLine(e.target.closest('.line')));
  config.addEventListener('keydown', (e) => {
    const lines = [...config.querySelectorAll('.line')];
    const at = lines.findIndex((l) => l.classList.contains('current'));
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = Math.max(0, Math.min(lines.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)));
      for (const l of lines) l.classList.remove('current');
      lines[next]?.classList.add('current');
      lines[next]?.scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter' && at >= 0) {
      e.preventDefault();
      pickLine(lines[at]);
    }
  });
  scheduleAll();
  await idle();
  $('loading').hidden = true;
  document.body.dataset.ready = 'true';
  window.ocigenPage = { idle, setText: (t) => editor.setText(t), get text() { return editor.text; }, editor };
  // The marker tests wait for (attached only once the first render is on screen).
  document.body.append(el('div', { id: 'ready', hidden: true }));
}

main().catch((e) => {
  $('loading').textContent = `Could not start the renderer: ${e}`;
  document.body.dataset.ready = 'failed';
});
