// What the page shows, drawn from the worker's answers: diagnostics, the clickable
// config.json, where a field came from, bundle files, the change list and the fleet table.
// Plain DOM; every value is set as text, never as HTML.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/** A value on one line, long ones cut (the CLI's `--format json` has them whole). */
export function short(value, max = 160) {
  if (value === null || value === undefined) return '(absent)';
  const s = JSON.stringify(value);
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} bytes)`;
}

/** A provenance source as the CLI words it (core/src/trace.rs `Display for Source`). */
export function sourceText(s) {
  switch (s.kind) {
    case 'input': return `service field ${s.field}`;
    case 'image': return `image config ${s.field}`;
    case 'snapshot': return `host fact ${s.fact}`;
    case 'default': return `default ${s.name}`;
    case 'cdi': return s.device ? `CDI ${s.file} device ${s.device}` : `CDI ${s.file} (spec-level edits)`;
    case 'option': return `render option ${s.name}`;
    case 'seccomp_rule': return `seccomp profile ${s.profile} rule ${s.rule}${s.conditions ? ` (${s.conditions})` : ''} [preset ${s.preset}]`;
    default: return JSON.stringify(s);
  }
}

export function showDiagnostics(list) {
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

export function showBundleFiles(files) {
  const box = $('bundle-files');
  box.replaceChildren();
  for (const f of files) {
    box.append(el('div', { class: 'bundle-file' },
      el('span', { class: 'bundle-path' }, f.path), ` mode 0${f.mode.toString(8)}`,
      el('pre', { class: 'code' }, f.contents)));
  }
  if (!files.length) box.append(el('p', { class: 'note' }, 'none (config.json only)'));
  $('bundle-count').textContent = `(${files.length})`;
}

/** config.json, one span per line carrying the field that line belongs to. */
export function showConfig(view) {
  const pre = $('config');
  const top = pre.scrollTop;
  const lines = view.text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  pre.replaceChildren(...lines.map((line, i) => el('span', { class: 'line', 'data-field': view.fields[i] ?? '' }, `${line}\n`)));
  pre.scrollTop = top;
}

export function showExplain(result) {
  $('explain-field').replaceChildren(result.target ? el('code', {}, result.target) : 'the whole config');
  const ul = $('explain-list');
  ul.replaceChildren();
  for (const e of result.entries) {
    ul.append(el('li', {}, el('code', {}, e.target), ' ← ', sourceText(e.source), el('span', { class: 'pass' }, ` [${e.pass} pass]`)));
  }
  if (!result.entries.length) ul.append(el('li', {}, 'no recorded source (a structural field)'));
}

/** A host's name as the page shows it (the pasted snapshot has no file name). */
export const hostName = (h) => (h === '__pasted__' ? 'pasted snapshot' : h);

function sourcesList(list, path) {
  if (!list.length) return null;
  const ul = el('ul', { class: 'sources' });
  const seen = new Set();
  for (const c of list) {
    // A config field's record may be its parent's: say which (an input field is the source itself).
    const on = c.field && c.pass && c.field !== path ? ` (on ${c.field})` : '';
    const text = `from ${sourceText(c.source)}${c.pass ? ` [${c.pass} pass]` : ''}${on}`;
    if (!seen.has(text)) ul.append(el('li', {}, text));
    seen.add(text);
  }
  return ul;
}

function valueText(change, v) {
  if (change.section === 'outcome') return v ? `fails: ${v.code}: ${v.message}` : 'renders';
  return short(v);
}

const KIND = { added: '+', removed: '−', changed: '~' };

/** The change list: path, both values, both sides' sources. */
export function changeItems(changes, names = ['A', 'B']) {
  return changes.map((c) => el('li', { class: `change ${c.kind}`, 'data-path': c.path },
    el('div', { class: 'path' }, el('span', { class: 'kind', 'aria-label': c.kind }, KIND[c.kind]), ' ', el('code', {}, c.path)),
    el('div', { class: 'side' }, el('strong', {}, `${names[0]}: `), valueText(c, c.a), sourcesList(c.a_sources, c.path)),
    el('div', { class: 'side' }, el('strong', {}, `${names[1]}: `), valueText(c, c.b), sourcesList(c.b_sources, c.path))));
}

export function showDiff(d, labels) {
  const fail = (o) => `fails: ${o.error.code}${o.error.field ? ` at ${o.error.field}` : ''}`;
  let summary;
  if (d.equal) summary = d.a.ok ? 'Equal: the two hosts give the same result.' : `Equal: both fail the same way (${fail(d.a)}).`;
  else if (!d.a.ok || !d.b.ok) summary = `${d.a.ok ? `A renders` : `A ${fail(d.a)}`}; ${d.b.ok ? 'B renders' : `B ${fail(d.b)}`}.`;
  else summary = `${d.changes.length} change${d.changes.length === 1 ? '' : 's'} from ${labels[0]} to ${labels[1]}.`;
  $('diff-summary').textContent = summary;
  $('diff-list').replaceChildren(...changeItems(d.changes));
}

function warningCodes(row) {
  const counts = new Map();
  for (const w of row.warnings) counts.set(w.code.split('_')[0], (counts.get(w.code.split('_')[0]) || 0) + 1);
  return [...counts].map(([c, n]) => (n > 1 ? `${c} x${n}` : c)).join(', ') || '-';
}

/** The fleet table; `onUse(host)` switches the page to a host. */
export function showFleet(f, current, onUse) {
  if (f.ok === false) {
    $('fleet-summary').textContent = `The fleet check could not run: ${f.error.message}`;
    $('fleet').tBodies[0].replaceChildren();
    return;
  }
  const against = f.baseline === 'majority' ? `the majority of the ${f.rendering} that render` : 'the first host';
  $('fleet-summary').textContent = `${f.hosts} hosts: ${f.rendering} render, ${f.hosts - f.rendering} fail; differences from ${against}.`;
  const body = $('fleet').tBodies[0];
  body.replaceChildren();
  for (const r of f.rows) {
    let differs;
    if (r.error) {
      const facts = r.facts.map((x) => x.fact).join(', ');
      differs = el('span', {}, el('strong', {}, r.error.code), r.error.field ? ` at ${r.error.field}` : '', facts ? `; facts: ${facts}` : '');
    } else if (!r.differs.length) {
      differs = r.host === f.reference ? '(reference)' : '-';
    } else {
      differs = el('details', {}, el('summary', {}, `${r.differs.length}: ${r.differs.slice(0, 2).map((c) => c.path).join(', ')}${r.differs.length > 2 ? ', …' : ''}`),
        el('ol', { class: 'changes' }, ...changeItems(r.differs, [f.baseline === 'majority' ? 'majority' : 'first', 'this host'])));
    }
    const use = r.ok && r.host !== current
      ? el('button', { type: 'button', 'data-host': r.host }, 'Use this host')
      : (r.host === current ? el('span', { class: 'note' }, 'current') : null);
    if (use && use.tagName === 'BUTTON') use.addEventListener('click', () => onUse(r.host));
    body.append(el('tr', { class: r.ok ? 'ok' : 'fails', 'data-host': r.host },
      el('th', { scope: 'row' }, hostName(r.host)), el('td', {}, r.ok ? 'yes' : 'no'), el('td', {}, warningCodes(r)), el('td', {}, differs), el('td', {}, use)));
  }
}
