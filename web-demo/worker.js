// The renderer off the main thread: every render, diff and fleet check of the page runs here,
// so a 2,000-entry service never freezes typing. The page posts {id, kind, ...}; the worker
// answers {id, ...result}. Only the latest job of each kind matters: the page drops answers
// to jobs it has replaced (see app.js `ask`).
import init, {
  renderLocated, diffEnvelopes, fleet, configView, explainIn, locateField, images, version,
} from './pkg/ocigen_wasm.js';

const ready = init();

/** Render envelopes by request text: a diff or fleet check reuses the main view's render. */
const cache = new Map();
function render(request) {
  const key = JSON.stringify(request);
  let envelope = cache.get(key);
  if (envelope === undefined) {
    envelope = renderLocated(key);
    if (cache.size > 24) cache.delete(cache.keys().next().value);
    cache.set(key, envelope);
  }
  return envelope;
}

/**
 * The request with the example's side inputs (image config, passwd, group) only while the
 * service still names the example's image: edited to another image, they no longer apply.
 */
function withSideInputs(base, side) {
  if (!side) return { request: base, detached: false };
  const imagesOf = (text) => {
    const named = JSON.parse(images(text));
    return named.ok ? JSON.stringify(named.images) : null;
  };
  // A text that does not parse yet (typing) keeps them: the render reports the parse error.
  const now = imagesOf(base.service_text);
  if (now !== null && now !== imagesOf(side.example_text)) return { request: base, detached: true };
  return { request: { ...base, image_config: side.image_config, passwd: side.passwd, group: side.group }, detached: false };
}

/** Editor marks for an envelope: the error at its line, warnings at their field's line. */
function marks(envelope, serviceText) {
  if (!envelope.ok) {
    const at = envelope.at;
    if (at && at.input === 'service' && at.line) {
      return [{ line: at.line, column: at.column, severity: 'error', message: envelope.error.message }];
    }
    return [];
  }
  return envelope.diagnostics
    .filter((d) => d.field)
    .map((d) => {
      const pos = JSON.parse(locateField(serviceText, d.field));
      return pos && { line: pos.line, column: pos.column, severity: d.severity === 'warning' ? 'warning' : 'info', message: `${d.code}: ${d.message}` };
    })
    .filter(Boolean);
}

const jobs = {
  main({ request, side }) {
    const { request: full, detached } = withSideInputs(request, side);
    const text = render(full);
    const envelope = JSON.parse(text);
    const view = JSON.parse(configView(text));
    return { envelope, envelopeText: text, view, detached, marks: marks(envelope, request.service_text) };
  },
  diff({ request, side, a, b }) {
    const { request: full } = withSideInputs(request, side);
    const ea = render({ ...full, snapshot_json: a });
    const eb = render({ ...full, snapshot_json: b });
    return { diff: JSON.parse(diffEnvelopes(ea, eb)) };
  },
  fleet({ request, side, hosts, baseline }) {
    const { request: full } = withSideInputs(request, side);
    // Each host's snapshot replaces the request's: the request itself names none.
    const req = JSON.stringify({ ...full, snapshot_json: '' });
    return { fleet: JSON.parse(fleet(req, JSON.stringify(hosts), baseline)) };
  },
  explain({ envelopeText, field }) {
    return { explain: JSON.parse(explainIn(envelopeText, field)) };
  },
  version() {
    return { version: version() };
  },
};

self.onmessage = async (e) => {
  const { id, kind, ...args } = e.data;
  try {
    await ready;
    const started = performance.now();
    const result = jobs[kind](args);
    self.postMessage({ id, ms: performance.now() - started, ...result });
  } catch (err) {
    self.postMessage({ id, failed: String(err && err.stack ? err.stack : err) });
  }
};
