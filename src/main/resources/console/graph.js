// A state machine drawn from its ASL: a small layered layout of our own (no renderer to ship, load
// or keep up to date; a saga's graph has tens of states). Each state is a box in the layer of its
// longest path from the start (loops are drawn back up), its Next, Choice and Default edges solid,
// its Catch edges dashed, named by the errors they catch. Each box can carry the outcome an
// execution gave it (a CSS class, state-<outcome>), which is what the console lays on it.
const W = 180, H = 46, GAP_X = 28, GAP_Y = 46, PAD = 24;
const SVG = 'http://www.w3.org/2000/svg';

/** The edges of a definition: {from, to, kind: next|choice|default|catch|end, label}. */
export function edges(definition) {
  const out = [{ from: '__start', to: definition.StartAt, kind: 'next' }];
  for (const [name, state] of Object.entries(definition.States || {})) {
    if (state.Next) out.push({ from: name, to: state.Next, kind: 'next' });
    for (const choice of state.Choices || []) out.push({ from: name, to: choice.Next, kind: 'choice' });
    if (state.Default) out.push({ from: name, to: state.Default, kind: 'default' });
    for (const c of state.Catch || []) {
      out.push({ from: name, to: c.Next, kind: 'catch', label: (c.ErrorEquals || []).map(shortError).join(', ') });
    }
    if (state.End || state.Type === 'Succeed' || state.Type === 'Fail') out.push({ from: name, to: '__end', kind: 'end' });
  }
  return out;
}

function shortError(error) {
  return error.split('.').pop();
}

/** Layers and positions: {nodes: {name: {x, y, layer}}, width, height}. */
export function layout(definition) {
  const es = edges(definition);
  const names = ['__start', ...Object.keys(definition.States || {}), '__end'];
  const next = Object.fromEntries(names.map(n => [n, []]));
  es.forEach(e => next[e.from]?.push(e.to));
  // back edges (loops) found by a depth-first walk from the start do not push layers down
  const back = new Set();
  const state = {};
  const order = [];
  const visit = (n) => {
    state[n] = 'open';
    for (const m of next[n] || []) {
      if (state[m] === 'open') back.add(n + '>' + m);
      else if (!state[m]) visit(m);
    }
    state[n] = 'done';
    order.push(n);
  };
  visit('__start');
  names.filter(n => !state[n]).forEach(visit); // unreachable states still get a place
  const layer = Object.fromEntries(names.map(n => [n, 0]));
  for (const n of order.reverse()) {
    for (const m of next[n] || []) {
      if (!back.has(n + '>' + m)) layer[m] = Math.max(layer[m], layer[n] + 1);
    }
  }
  layer.__end = Math.max(...names.filter(n => n !== '__end').map(n => layer[n])) + 1; // the end at the bottom
  const rows = [];
  for (const n of order) (rows[layer[n]] ||= []).push(n);
  // the happy path (Next from StartAt) is the spine, down the middle; in a layer, the other states
  // go to its right, in the order of the mean position of the states that lead to them
  const spine = new Set();
  for (let n = definition.StartAt; n && !spine.has(n) && definition.States?.[n]; n = definition.States[n].Next) spine.add(n);
  const position = {};
  rows.forEach((row, i) => {
    const mean = (n) => {
      const from = es.filter(e => e.to === n && position[e.from] !== undefined && layer[e.from] < i);
      return from.length ? from.reduce((s, e) => s + position[e.from], 0) / from.length : Infinity;
    };
    const others = (row || []).filter(n => !spine.has(n) && n !== '__start' && n !== '__end').sort((a, b) => mean(a) - mean(b));
    const onSpine = (row || []).filter(n => spine.has(n) || n === '__start' || n === '__end');
    onSpine.forEach(n => { position[n] = 0; });
    others.forEach((n, j) => { position[n] = onSpine.length ? j + 1 : j - (others.length - 1) / 2 + (i > 0 ? 0.5 : 0); });
  });
  const xs = Object.values(position);
  const min = Math.min(...xs), max = Math.max(...xs);
  const width = PAD * 2 + (max - min) * (W + GAP_X) + W;
  const nodes = {};
  rows.forEach((row, i) => (row || []).forEach(n => {
    nodes[n] = { x: PAD + (position[n] - min) * (W + GAP_X), y: PAD + i * (H + GAP_Y), layer: i };
  }));
  return { nodes, edges: es, width, height: PAD * 2 + rows.length * (H + GAP_Y) - GAP_Y };
}

function el(name, attributes = {}, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * The SVG of `definition`; `outcomes` maps a state's name to its outcome (succeeded, failed,
 * caught, retried, running, compensation, compensated) and `notes` to a line under its name.
 */
export function render(definition, outcomes = {}, notes = {}) {
  const { nodes, edges: es, width, height } = layout(definition);
  const svg = el('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': 'state machine graph' });
  const defs = el('defs');
  for (const kind of ['next', 'catch']) {
    const marker = el('marker', { id: 'arrow-' + kind, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7,
      markerHeight: 7, orient: 'auto-start-reverse' });
    marker.append(el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-' + kind }));
    defs.append(marker);
  }
  svg.append(defs);
  for (const e of es) {
    const a = nodes[e.from], b = nodes[e.to];
    if (!a || !b) continue;
    const x1 = a.x + W / 2, y1 = a.y + H, x2 = b.x + W / 2, y2 = b.y;
    const up = y2 <= y1;
    const d = up
      ? `M ${a.x + W} ${a.y + H / 2} C ${a.x + W + 60} ${a.y + H / 2}, ${b.x + W + 60} ${b.y + H / 2}, ${b.x + W} ${b.y + H / 2}`
      : `M ${x1} ${y1} C ${x1} ${y1 + GAP_Y / 2}, ${x2} ${y2 - GAP_Y / 2}, ${x2} ${y2}`;
    const kind = e.kind === 'catch' ? 'catch' : 'next';
    const path = el('path', { d, class: 'edge edge-' + e.kind, 'marker-end': `url(#arrow-${kind})`,
      'data-from': e.from, 'data-to': e.to });
    if (e.label) path.append(el('title', {}, 'Catch ' + e.label));
    svg.append(path);
  }
  for (const [name, p] of Object.entries(nodes)) {
    if (name === '__start' || name === '__end') {
      const g = el('g', { class: 'terminal', transform: `translate(${p.x + W / 2}, ${p.y + H / 2})` });
      g.append(el('circle', { r: 10 }));
      g.append(el('title', {}, name === '__start' ? 'Start' : 'End'));
      svg.append(g);
      continue;
    }
    const state = definition.States[name];
    const outcome = outcomes[name] || 'none';
    const g = el('g', { class: `node state-${outcome}`, 'data-state': name, 'data-outcome': outcome,
      transform: `translate(${p.x}, ${p.y})`, tabindex: 0 });
    g.append(el('rect', { width: W, height: H, rx: 8 }));
    g.append(el('text', { x: W / 2, y: notes[name] ? 19 : 24, class: 'name' }, name.length > 24 ? name.slice(0, 23) + '…' : name));
    g.append(el('text', { x: W / 2, y: notes[name] ? 36 : 38, class: 'type' }, notes[name] || state.Type));
    g.append(el('title', {}, `${name} (${state.Type})${outcome !== 'none' ? ': ' + outcome : ''}`));
    svg.append(g);
  }
  return svg;
}
