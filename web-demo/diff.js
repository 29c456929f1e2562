// Line diff by longest common subsequence, and hunks with context, for the two-snapshot view.

/** Ops turning `a` into `b`: [{op: ' ' | '-' | '+', text}], in order. */
export function lineDiff(aText, bText) {
  const a = aText.split('\n');
  const b = bText.split('\n');
  // Common prefix and suffix need no table; config.json pairs mostly differ in a few places.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const n = am.length;
  const m = bm.length;
  // lcs[i][j] = LCS length of am[i..] and bm[j..], one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const ops = a.slice(0, pre).map((text) => ({ op: ' ', text }));
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (am[i] === bm[j]) {
      ops.push({ op: ' ', text: am[i++] });
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
      ops.push({ op: '-', text: am[i++] });
    } else {
      ops.push({ op: '+', text: bm[j++] });
    }
  }
  while (i < n) ops.push({ op: '-', text: am[i++] });
  while (j < m) ops.push({ op: '+', text: bm[j++] });
  for (const text of a.slice(a.length - suf)) ops.push({ op: ' ', text });
  return ops;
}

/** Keep changed lines and `context` lines around them; gaps become {op: '@', text}. */
export function hunks(ops, context = 3) {
  const keep = new Uint8Array(ops.length);
  ops.forEach((o, k) => {
    if (o.op !== ' ') for (let d = Math.max(0, k - context); d <= Math.min(ops.length - 1, k + context); d++) keep[d] = 1;
  });
  const out = [];
  let skipped = 0;
  ops.forEach((o, k) => {
    if (!keep[k]) {
      skipped++;
      return;
    }
    if (skipped) out.push({ op: '@', text: `… ${skipped} unchanged line${skipped === 1 ? '' : 's'}` });
    skipped = 0;
    out.push(o);
  });
  if (skipped) out.push({ op: '@', text: `… ${skipped} unchanged line${skipped === 1 ? '' : 's'}` });
  return out;
}
