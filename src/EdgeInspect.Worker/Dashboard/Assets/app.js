// EdgeInspect station dashboard. Live data comes over Server-Sent Events (/api/events): a "hello" with the status and
// the charts' history, a "tick" each update interval, and "alert" / "station-event" messages at once. Charts: dygraphs
// (Debian's libjs-dygraphs), compiled into the station (no internet needed). Controls post to /api/commands/{verb} with the session's CSRF token.
'use strict';

const $ = (id) => document.getElementById(id);
const charts = {};
const timeline = []; // the charts' points, oldest first
const HISTORY_MAX = 600;
const INPUTS = ['brightness', 'contrast', 'sharpness', 'dark_clipped', 'bright_clipped', 'mean_blue', 'mean_green', 'mean_red'];
let status = null;
let session = { controls: false, loggedIn: false };
let reference = null;
let galleryItems = [];

function text(el, value) { if (el) el.textContent = value ?? 'n/a'; }
function pct(v, digits = 1) { return v == null ? 'n/a' : (v * 100).toFixed(digits) + '%'; }
function num(v, digits = 3) { return v == null ? 'n/a' : Number(v).toFixed(digits); }
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return e;
}
function rows(table, header, body) {
  table.replaceChildren(el('tr', {}, ...header.map((h) => el('th', {}, h))), ...body.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c)))));
}

// ---- views ----
function show(view) {
  for (const b of document.querySelectorAll('nav button')) b.classList.toggle('active', b.dataset.view === view);
  for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== 'view-' + view;
  document.body.dataset.view = view;
  if (view === 'samples') loadSamples();
  // A chart is sized from its container: a hidden view's charts are sized when shown.
  for (const c of Object.values(charts)) if (c.el.offsetParent !== null) resize(c);
}
for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.view));

// ---- charts ----
// dygraphs (Debian's libjs-dygraphs): a chart is created at its first data, since dygraphs refuses an empty data set.
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
function chart(id, series, opts = {}) {
  const host = $(id);
  if (!host || typeof Dygraph === 'undefined') return null;
  host.replaceChildren(el('div', { class: 'chart-title' }, host.dataset.title || ''));
  const legend = el('div', { class: 'chart-legend' });
  const plot = el('div', { class: 'plot' });
  host.append(legend, plot);
  const c = { g: null, el: host, plot, legend, series, opts, points: 0 };
  charts[id] = c;
  return c;
}
function width(c) { return Math.max(300, c.el.clientWidth - 16); }
function resize(c) { if (c.g) c.g.resize(width(c), 180); }
function create(c, data) {
  const perSeries = {};
  c.series.forEach((s, i) => {
    perSeries[s.label] = { color: s.stroke || COLORS[i % COLORS.length], strokeWidth: s.width ?? 1.5, strokePattern: s.dash || null };
  });
  c.g = new Dygraph(c.plot, data, {
    labels: ['time', ...c.series.map((s) => s.label)],
    width: width(c), height: 180,
    series: perSeries,
    valueRange: c.opts.range || null,
    includeZero: !!c.opts.includeZero,
    legend: 'always', labelsDiv: c.legend, labelsSeparateLines: false,
    connectSeparatedPoints: false, drawPoints: false,
    axes: { x: { pixelsPerLabel: 90, axisLabelWidth: 70 }, y: { axisLabelWidth: 56 } },
  });
}
function feed(id, pick) {
  const c = charts[id];
  if (!c || timeline.length === 0) return;
  const data = timeline.map((p) => [new Date(p.t), ...c.series.map((_, i) => { const v = pick(p)[i]; return v == null ? null : v; })]);
  if (c.g) c.g.updateOptions({ file: data }); else create(c, data);
  c.points = data.length;
  c.el.dataset.points = String(data.length);
}
function lat(p, stage) { const l = p.lat && p.lat[stage]; return l ? l : [null, null, null]; }
function setupCharts() {
  if (typeof Dygraph === 'undefined') { $('no-charts').hidden = false; return; }
  chart('chart-fps', [{ label: 'parts/s' }], { includeZero: true });
  chart('chart-latency', [{ label: 'p50' }, { label: 'p95' }, { label: 'p99' }]);
  chart('chart-inference', [{ label: 'p50' }, { label: 'p95' }, { label: 'p99' }]);
  chart('chart-queues', [{ label: 'frames' }, { label: 'inference' }, { label: 'verdicts pending' }]);
  chart('chart-agreement', [{ label: 'agreement', width: 2 }, { label: '95% low', dash: [4, 4] }, { label: '95% high', dash: [4, 4] }], { range: [0, 1] });
  chart('chart-kappa', [{ label: 'kappa', width: 2 }, { label: '95% low', dash: [4, 4] }, { label: '95% high', dash: [4, 4] }], { range: [-1, 1] });
  const drift = $('drift-charts');
  for (const name of INPUTS) {
    drift.append(el('div', { class: 'chart', id: 'chart-in-' + name, 'data-testid': 'chart-in-' + name, 'data-title': name.replace('_', ' ') }));
    chart('chart-in-' + name, [{ label: 'mean', width: 2 }, { label: 'reference low', stroke: '#9ca3af', dash: [5, 5] }, { label: 'reference high', stroke: '#9ca3af', dash: [5, 5] }]);
  }
}
function drawCharts() {
  feed('chart-fps', (p) => [p.fps]);
  feed('chart-latency', (p) => lat(p, 'capture_to_decision'));
  feed('chart-inference', (p) => lat(p, 'inference'));
  feed('chart-queues', (p) => [p.q?.frames ?? p.q?.depth, p.q?.inference, p.q?.verdicts_pending]);
  feed('chart-agreement', (p) => [p.agr?.a, p.agr?.lo, p.agr?.hi]);
  feed('chart-kappa', (p) => [p.agr?.k, p.agr?.klo, p.agr?.khi]);
  const ref = reference?.metrics || {};
  for (const name of INPUTS) feed('chart-in-' + name, (p) => [p.in?.[name], ref[name]?.low, ref[name]?.high]);
}
function addPoint(point) {
  timeline.push(point);
  while (timeline.length > HISTORY_MAX) timeline.shift();
}

// ---- status ----
function render(s) {
  if (!s || !s.station) return;
  status = s;
  const st = s.station;
  text($('station-name'), st.deviceId ? `${st.deviceId} · ${st.site}/${st.area}/${st.line}/${st.name}` : '');
  const state = $('station-state');
  text(state, st.state);
  state.className = 'pill ' + (st.state === 'running' ? 'ok' : 'warn');
  text($('mode'), s.mode);
  $('mode').dataset.value = s.mode || '';
  const parts = s.parts || {};
  text($('parts'), String(parts.decided ?? 0));
  $('parts').dataset.value = String(parts.decided ?? 0);
  text($('parts-split'), `pass ${parts.pass ?? 0} · fail ${parts.fail ?? 0} · no decision ${parts.noDecision ?? 0}`);
  const last = timeline[timeline.length - 1];
  text($('fps'), last ? num(last.fps, 1) : 'n/a');
  text($('camera'), s.camera?.state);
  $('camera').className = 'big ' + (s.camera?.up ? 'good' : 'bad');
  text($('camera-detail'), `${s.camera?.id ?? ''}: ${s.camera?.detail ?? ''}`);
  const link = s.link || {};
  text($('link'), !link.present ? 'none' : link.connected ? 'connected' : 'offline');
  $('link').className = 'big ' + (!link.present ? '' : link.connected ? 'good' : 'bad');
  text($('link-detail'), link.present ? `${link.broker} · outbox ${link.outbox?.depth ?? 0} records (${pct(link.outbox?.fill, 2)} full) · commands ${link.commands?.accepted ?? 0} ok / ${link.commands?.rejected ?? 0} refused` : 'this station has no plant link');
  const m = s.models || {};
  const model = (x) => x ? [`${x.name} ${x.version}`, x.sha256 ? x.sha256.slice(0, 12) + '…' : ''] : ['none', ''];
  rows($('models'), ['slot', 'model', 'sha256'], [['active', ...model(m.active)], ['candidate', ...model(m.candidate)], ['previous', ...model(m.previous)]]);
  const stages = s.latency?.stages || {};
  rows($('latency'), ['stage', 'count', 'p50', 'p95', 'p99', 'max'], Object.entries(stages).map(([k, v]) => [k, String(v.count), num(v.p50Ms), num(v.p95Ms), num(v.p99Ms), num(v.maxMs)]));
  rows($('queues'), ['queue', 'depth'], Object.entries(s.queues || {}).map(([k, v]) => [k, String(v)]));
  const drops = [];
  for (const [family, causes] of Object.entries(s.drops || {})) for (const [cause, n] of Object.entries(causes)) drops.push([family, cause, String(n)]);
  rows($('drops'), ['of', 'cause', 'count'], drops);
  renderQuality(s.quality);
  renderDrift(s.drift);
  renderEvents(s.events);
}
function renderQuality(q) {
  if (!q) return;
  const w = q.window || {}, c = q.cumulative || {};
  text($('agreement'), pct(w.agreement));
  text($('agreement-ci'), w.agreementLower95 == null ? `${w.parts ?? 0} parts compared` : `95% CI ${pct(w.agreementLower95)} – ${pct(w.agreementUpper95)} over ${w.parts} parts`);
  text($('kappa'), num(w.kappa));
  text($('kappa-ci'), w.kappaLower95 == null ? '' : `95% CI ${num(w.kappaLower95)} – ${num(w.kappaUpper95)}`);
  text($('agreement-cum'), pct(c.agreement));
  text($('agreement-cum-detail'), `${c.parts ?? 0} parts in ${q.mode} since ${q.modeSince ?? ''}; kappa ${num(c.kappa)}; defect recall ${pct(c.defectRecall)}`);
  const p = q.promotion || {};
  text($('gate-subject'), `${p.subject ?? ''}: ${p.ready ? 'READY' : 'not ready'}`);
  rows($('gate'), ['criterion', 'met', 'actual', 'required', 'to go', 'progress', 'why'], (p.criteria || []).map((c) => {
    const bar = el('progress', { max: 1, value: c.progress ?? 0 });
    return [c.criterion, c.met ? 'yes' : 'no', num(c.actual, 3), num(c.required, 3), c.met ? '—' : num(c.gap, 3), bar, c.reason];
  }));
}
function renderDrift(d) {
  if (!d) return;
  if (d.reference) reference = d.reference;
  text($('reference-note'), reference
    ? `The input metrics' mean per update interval, against the reference band of ${reference.model}'s baseline (${reference.frames} frames; mean ± 2 sd).`
    : 'The active model carries no drift baseline: no reference band.');
  rows($('alerts'), ['alert', 'state', 'since', 'evidence'], (d.alerts || []).map((a) => [a.name, a.state, a.at, evidence(a)]));
  rows($('transitions'), ['at', 'alert', 'from → to', 'evidence'], (d.transitions || []).map((a) => [a.at, a.name, `${a.from ?? ''} → ${a.state}`, evidence(a)]));
}
function evidence(a) {
  if (a.family === 'Capture') return a.message ?? '';
  return `${a.metric}: current ${num(a.current, 3)} vs reference ${num(a.reference, 3)}, distance ${num(a.distance, 3)} (threshold ${num(a.threshold, 3)}) over ${a.windowFrames} frames to seq ${a.windowEndSeq}`;
}
function renderEvents(events) {
  rows($('events'), ['at', 'type', 'message'], (events || []).map((e) => [e.at, e.type, e.message]));
}

// ---- live feed ----
function connect() {
  const source = new EventSource('/api/events');
  const state = $('feed-state');
  source.onopen = () => { text(state, 'live updates: on'); state.className = 'pill ok'; };
  source.onerror = () => { text(state, 'live updates: reconnecting'); state.className = 'pill warn'; };
  source.addEventListener('hello', (e) => {
    const m = JSON.parse(e.data);
    timeline.length = 0;
    for (const p of m.history || []) addPoint(p);
    render(m.status);
    drawCharts();
  });
  source.addEventListener('tick', (e) => {
    const m = JSON.parse(e.data);
    addPoint(m.point);
    render(m.status);
    drawCharts();
    document.body.dataset.ticks = String((Number(document.body.dataset.ticks) || 0) + 1);
  });
  for (const kind of ['alert', 'station-event']) {
    source.addEventListener(kind, (e) => { const m = JSON.parse(e.data); render(m.status); });
  }
}

// ---- samples ----
async function loadSamples() {
  const kind = $('sample-kind').value;
  const r = await fetch('/api/samples?kind=' + encodeURIComponent(kind));
  if (!r.ok) { text($('samples-count'), `samples: HTTP ${r.status}`); return; }
  const list = await r.json();
  galleryItems = list.samples || [];
  text($('samples-count'), `${galleryItems.length} shown (newest first) from ${list.folder}`);
  $('samples-count').dataset.value = String(galleryItems.length);
  $('gallery').replaceChildren(...galleryItems.map((s, i) => {
    const tile = el('button', { class: 'tile ' + s.kind, 'data-testid': 'sample-tile', 'data-id': s.id },
      el('img', { src: s.image, alt: s.partId, loading: 'lazy' }),
      el('span', { class: 'caption' }, `${s.kind} · ${s.partId}`),
      el('span', { class: 'caption small' }, `model ${s.model?.class ?? 'n/a'} ${num(s.model?.score, 2)} · human ${s.human?.verdict ?? 'none'}`));
    tile.addEventListener('click', () => openSample(i));
    return tile;
  }));
}
function openSample(i) {
  const s = galleryItems[i];
  const dialog = $('sample-dialog');
  $('sample-image').src = s.image;
  $('sample-image').alt = s.partId;
  rows($('sample-detail'), ['', ''], [
    ['part id', s.partId], ['kind', s.kind], ['captured', s.utc], ['frame', String(s.frameSeq)], ['mode', s.mode], ['model', s.modelName],
    ['model output', s.model ? `${s.model.class} (score ${num(s.model.score, 3)}, ${s.model.verdict}${s.model.uncertain ? ', uncertain' : ''})` : 'none'],
    ['human verdict', s.human ? `${s.human.verdict}${s.human.inspectorId ? ' by ' + s.human.inspectorId : ''}` : 'none'],
    ['decision', `${s.decision} (decided by ${s.decidedBy})`], ['record', el('a', { href: s.record, target: '_blank' }, 'sidecar JSON')],
  ]);
  dialog.dataset.partId = s.partId;
  dialog.showModal();
}
$('sample-kind').addEventListener('change', loadSamples);
$('samples-refresh').addEventListener('click', loadSamples);

// ---- controls ----
async function loadSession() {
  const r = await fetch('/api/session');
  session = await r.json();
  const readonly = $('controls-readonly');
  $('login').hidden = !(session.tokenConfigured && !session.loggedIn);
  $('controls').hidden = !(session.controls && session.loggedIn);
  readonly.hidden = session.controls && session.loggedIn || session.tokenConfigured && !session.loggedIn;
  if (!session.tokenConfigured) text(readonly, 'Read-only: no dashboard token is configured (dashboard.token or dashboard.tokenFile).');
  else if (!session.controls) text(readonly, 'Read-only: this station has no command service (no plant link).');
  if (new URLSearchParams(location.search).get('login') === 'failed') $('login-failed').hidden = false;
}
function confirmed(message) {
  return new Promise((resolve) => {
    const dialog = $('confirm');
    text($('confirm-text'), message);
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}
async function command(verb, args) {
  const answer = $('answer');
  text(answer, `sending ${verb}…`);
  const r = await fetch('/api/commands/' + encodeURIComponent(verb), {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', [session.csrfHeader || 'X-EdgeInspect-Csrf']: session.csrf || '' },
    body: JSON.stringify(args),
  });
  const body = await r.json().catch(() => ({}));
  text(answer, `${verb}: HTTP ${r.status} ${body.accepted === true ? 'accepted' : body.accepted === false ? 'rejected' : ''}\n${JSON.stringify(body, null, 2)}`);
  answer.dataset.verb = verb;
  answer.dataset.accepted = String(body.accepted === true);
  return body;
}
$('set-mode').addEventListener('click', async () => {
  const mode = $('mode-select').value;
  if (mode === 'live' && !(await confirmed('Switch to LIVE? The model will decide every part; only an audit sample goes to the inspector.'))) return;
  const args = { mode, by: 'dashboard' };
  const reason = $('mode-reason').value.trim();
  if (reason) args.reason = reason;
  await command('set-mode', args);
});
$('load-candidate').addEventListener('click', () => command('load-candidate', { package: $('candidate-package').value.trim(), by: 'dashboard' }));
$('promote').addEventListener('click', async () => {
  const c = status?.models?.candidate;
  if (!(await confirmed(c ? `Promote candidate ${c.name} ${c.version} to the active, live model?` : 'Promote the candidate to the active, live model?'))) return;
  await command('promote', { by: 'dashboard' });
});
$('rollback').addEventListener('click', () => command('rollback', { by: 'dashboard' }));

// ---- start ----
setupCharts();
window.addEventListener('resize', () => { for (const c of Object.values(charts)) if (c.el.offsetParent !== null) resize(c); });
fetch('/api/status').then((r) => r.json()).then(render);
loadSession();
connect();
show(location.hash ? location.hash.slice(1) : 'status');
