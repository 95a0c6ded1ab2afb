// The big screen (/) and the query page (/query): plain browser JavaScript over the JSON API, ECharts
// served by this same server. The screen keeps the last data when a read fails and says how stale it is.
'use strict';

const $ = (s) => document.querySelector(s);
const fmt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));
const ago = (ms) => (ms < 60000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60000)} min`);

async function api(path) {
  const r = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
  return body;
}

function rows(tbody, data, cells) {
  tbody.replaceChildren(...data.map((d) => {
    const tr = document.createElement('tr');
    for (const c of cells(d)) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    return tr;
  }));
}

const THEME = { textStyle: { color: '#d8e6ff' }, grid: { left: 48, right: 16, top: 28, bottom: 28 } };

// ---------------------------------------------------------------- big screen
async function screen() {
  $('#screen').hidden = false;
  const params = new URLSearchParams(location.search);
  const refreshSec = Number(params.get('refresh')) || (await api('/api/config')).refreshSec;
  $('#refresh-sec').textContent = refreshSec;
  const flowChart = echarts.init($('#chart-flow'), null, { renderer: 'canvas' });
  const topChart = echarts.init($('#chart-top'), null, { renderer: 'canvas' });
  addEventListener('resize', () => (flowChart.resize(), topChart.resize()));
  let lastOk = null;

  async function refresh() {
    const started = Date.now();
    const errors = [];
    const part = (p) => p.catch((e) => (errors.push(e.message), null));
    const [ov, flow, alerts, warnings, health] = await Promise.all([
      part(api('/api/dashboard/overview')),
      part(api('/api/dashboard/flow?minutes=30')),
      part(api('/api/alerts?limit=8')),
      part(api('/api/warnings?limit=8')),
      part(api('/api/health')),
    ]);
    if (ov) {
      $('#kpi-total').textContent = fmt(ov.total);
      $('#kpi-day').textContent = fmt(ov.day ? ov.day.passages : null);
      $('#kpi-day-date').textContent = ov.day ? ov.day.date : '–';
      $('#kpi-province').textContent = fmt(ov.crossProvince);
      $('#kpi-city').textContent = fmt(ov.crossCity);
      $('#kpi-clone').textContent = fmt(ov.alerts.clone);
      $('#kpi-flow-high').textContent = fmt(ov.alerts.flowHigh);
      $('#kpi-flow-low').textContent = fmt(ov.alerts.flowLow);
      $('#event-time').textContent = ov.eventTimeText || 'no data yet';
      topChart.setOption({ ...THEME, grid: { left: 150, right: 24, top: 8, bottom: 20 }, animation: false,
        xAxis: { type: 'value', axisLabel: { color: '#7f9cc9' } },
        yAxis: { type: 'category', inverse: true, data: ov.topCheckpoints.map((c) => c.checkpoint), axisLabel: { color: '#d8e6ff' } },
        series: [{ type: 'bar', data: ov.topCheckpoints.map((c) => c.passages), itemStyle: { color: '#3fd0ff' } }] }, true);
    }
    if (flow) {
      const top = Object.entries(flow.checkpoints).sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0)).slice(0, 8);
      flowChart.setOption({ ...THEME, animation: false, legend: { top: 0, textStyle: { color: '#d8e6ff', fontSize: 10 } }, tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: flow.minutes, axisLabel: { color: '#7f9cc9' } },
        yAxis: { type: 'value', axisLabel: { color: '#7f9cc9' }, splitLine: { lineStyle: { color: '#1d3d73' } } },
        series: top.map(([name, data]) => ({ name, type: 'line', smooth: true, showSymbol: false, data })) }, true);
    }
    if (alerts) rows($('#clones tbody'), alerts.alerts, (a) => [a.plate, `${a.first_checkpoint} ${a.first_time.slice(11)}`, `${a.checkpoint} ${a.time.slice(11)}`, `${a.gap_s} s < ${a.threshold_s} s`, a.rule]);
    if (warnings) rows($('#warnings tbody'), warnings.warnings, (w) => [w.minute.slice(5, 16), w.checkpoint, w.direction, w.passages, w.baseline.toFixed(1), w.bound.toFixed(1)]);
    if (health) {
      const s = Object.entries(health.stores).map(([k, v]) => `<span class="${v.ok ? 'good' : 'bad'}">${k} ${v.ok ? '✓' : '✗'}</span>`).join(' ');
      const i = health.produce ? ` · produced into ${health.produce.topic} ${health.produce.ratePerSec === null ? '–' : fmt(health.produce.ratePerSec)}/s` : '';
      const p = health.pipeline ? ` · consumers ${health.pipeline.consuming}/${health.pipeline.consumers} consuming ${fmt(health.pipeline.ratePerSec)}/s, lag ${fmt(health.pipeline.lag)}${health.pipeline.down.length ? `, down: ${health.pipeline.down.join('; ')}` : ''}` : '';
      const f = health.flink ? ` · Flink jobs running: ${health.flink.running.length ? health.flink.running.join(', ') : 'none'}` : '';
      $('#health').innerHTML = s + (i + p + f).replace(/[<>&]/g, '');
    }
    if (!errors.length) lastOk = started;
    const stale = $('#stale');
    stale.hidden = !errors.length;
    stale.textContent = errors.length ? `stale: ${lastOk ? `last full read ${ago(Date.now() - lastOk)} ago` : 'never read'} — ${errors[0]}` : '';
    $('#data-age').textContent = lastOk ? `${new Date(lastOk).toLocaleTimeString('en-GB')}` : '–';
    document.body.dataset.refreshed = String((Number(document.body.dataset.refreshed) || 0) + 1);
  }
  await refresh();
  setInterval(refresh, refreshSec * 1000);
}

// ---------------------------------------------------------------- query page
function query() {
  $('#query').hidden = false;
  const resultChart = echarts.init($('#chart-result'));
  api('/api/dashboard/overview').then((ov) => {
    $('#checkpoints').replaceChildren(...ov.topCheckpoints.map((c) => Object.assign(document.createElement('option'), { value: c.checkpoint })));
  }, () => {});

  async function show(title, url, key, columns) {
    $('#result-title').textContent = `${title} …`;
    $('#csv').hidden = true;
    try {
      const body = await api(url);
      const data = body[key];
      $('#result-title').textContent = `${title}: ${data.length} rows`;
      $('#result thead').replaceChildren(Object.assign(document.createElement('tr'), { innerHTML: columns.map((c) => `<th>${c}</th>`).join('') }));
      rows($('#result tbody'), data, (d) => columns.map((c) => d[c]));
      const csv = new URL(url, location.href);
      csv.searchParams.set('format', 'csv');
      $('#csv').href = csv.pathname + csv.search;
      $('#csv').hidden = false;
      $('#chart-result').hidden = key !== 'buckets';
      if (key === 'buckets') {
        resultChart.resize();
        resultChart.setOption({ ...THEME, animation: false, tooltip: { trigger: 'axis' }, xAxis: { type: 'category', data: data.map((b) => b.start.slice(5, 16)) }, yAxis: { type: 'value' }, series: [{ type: 'bar', data: data.map((b) => b.passages), itemStyle: { color: '#3fd0ff' } }] }, true);
      }
    } catch (e) {
      $('#result-title').innerHTML = '';
      $('#result-title').append(Object.assign(document.createElement('span'), { className: 'error', textContent: `${title}: ${e.message}` }));
      rows($('#result tbody'), [], () => []);
    }
  }
  const qs = (o) => new URLSearchParams(Object.entries(o).filter(([, v]) => v !== '')).toString();
  const form = (id, fn) => $(id).addEventListener('submit', (ev) => (ev.preventDefault(), fn(Object.fromEntries(new FormData(ev.target)))));
  const passageCols = ['time', 'plate', 'checkpoint', 'gcxh', 'direction', 'vehicleType', 'boundary'];
  form('#q-plate', (f) => show(`plate ${f.plate}`, `/api/query/plate/${encodeURIComponent(f.plate)}?${qs({ limit: f.limit })}`, 'passages', passageCols));
  form('#q-checkpoint', (f) =>
    f.what === 'aggregate'
      ? show(`${f.checkpoint} per ${f.step}`, `/api/query/aggregate?${qs({ checkpoint: f.checkpoint, from: f.from, to: f.to, step: f.step })}`, 'buckets', ['start', 'end', 'passages'])
      : show(`${f.checkpoint} passages`, `/api/query/checkpoint/${encodeURIComponent(f.checkpoint)}?${qs({ from: f.from, to: f.to })}`, 'passages', passageCols));
  form('#q-alerts', (f) => show('clone alerts', `/api/alerts?${qs(f)}`, 'alerts', ['rule', 'plate', 'first_checkpoint', 'first_time', 'checkpoint', 'time', 'gap_s', 'threshold_s']));
  form('#q-warnings', (f) => show('flow warnings', `/api/warnings?${qs(f)}`, 'warnings', ['minute', 'checkpoint', 'direction', 'passages', 'baseline', 'bound']));
}

if (location.pathname === '/query') query();
else screen();
