/* Scorpio live dashboard: polls /dashboard/data once a second and updates the charts in place (Chart.js). */
(function () {
  'use strict';

  var POLL_MS = 1000;
  var HISTORY = 120;        // points kept on the time-series charts (seconds)
  var RATE_WINDOW_MS = 10000;
  var COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569'];

  var samples = [];         // [{t, goodput: {class: count}}] for goodput rates
  var charts = {};
  var classColor = {};

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;

  function colorOf(key, index) {
    if (!(key in classColor)) {
      classColor[key] = COLORS[(index === undefined ? Object.keys(classColor).length : index) % COLORS.length];
    }
    return classColor[key];
  }

  function timeChart(id, yTitle, yMax) {
    return new Chart(document.getElementById(id), {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        parsing: false, normalized: true,
        elements: { point: { radius: 0 }, line: { borderWidth: 2, tension: 0.2 } },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'seconds ago' }, reverse: false,
               min: -HISTORY, max: 0, ticks: { stepSize: 20 } },
          y: { beginAtZero: true, max: yMax, title: { display: true, text: yTitle } }
        },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } }
      }
    });
  }

  /* Dashed vertical lines at the right edge of the bucket whose bound is a class target. */
  var targetLines = {
    id: 'targetLines',
    afterDatasetsDraw: function (chart) {
      var targets = chart.options.plugins.targetLines && chart.options.plugins.targetLines.targets;
      if (!targets || !targets.length) { return; }
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx, drawn = {}, lines = [];
      ctx.save();
      ctx.setLineDash([5, 4]);
      ctx.strokeStyle = '#111827';
      ctx.fillStyle = '#111827';
      ctx.font = '10px system-ui, sans-serif';
      targets.forEach(function (t) {
        if (t.index < 0) { return; }
        if (!(t.index in drawn)) { drawn[t.index] = []; lines.push(t.index); }
        drawn[t.index].push(t.name);
      });
      lines.sort(function (a, b) { return a - b; });
      lines.forEach(function (index, row) {
        var px = (x.getPixelForValue(index) + x.getPixelForValue(index + 1)) / 2;
        var y = area.top + 9 + (row % 3) * 12;   // stagger labels of neighbouring lines
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.fillText(drawn[index].join(','), px + 3, y);
      });
      ctx.restore();
    }
  };

  function histChart(id, unit) {
    return new Chart(document.getElementById(id), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'requests', data: [], backgroundColor: '#60a5fa' }] },
      options: {
        scales: { x: { title: { display: true, text: unit } }, y: { beginAtZero: true, title: { display: true, text: 'requests' } } },
        plugins: { legend: { display: false }, targetLines: { targets: [] } }
      },
      plugins: [targetLines]
    });
  }

  function init() {
    charts.goodput = timeChart('chart-goodput', 'req/s');
    charts.waiting = timeChart('chart-waiting', 'requests');
    charts.vbs = timeChart('chart-vbs', 'VBS');
    charts.kv = timeChart('chart-kv', '%', 100);
    charts.adherence = new Chart(document.getElementById('chart-adherence'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'adherence %', data: [], backgroundColor: [] }] },
      options: { scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: '%' } } },
                 plugins: { legend: { display: false } } }
    });
    charts.ttft = histChart('chart-ttft', 'TTFT (s), bucket upper bound');
    charts.tpot = histChart('chart-tpot', 'TPOT (s), bucket upper bound');
    charts.rejections = new Chart(document.getElementById('chart-rejections'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'rejected', data: [], backgroundColor: '#f87171' }] },
      options: { indexAxis: 'y', scales: { x: { beginAtZero: true, title: { display: true, text: 'requests' } } },
                 plugins: { legend: { display: false } } }
    });
    poll();
  }

  function fmtInt(n) { return n === null || n === undefined ? '-' : String(n); }
  function fmtPct(x) { return x === null || x === undefined ? '-' : (100 * x).toFixed(1) + '%'; }
  function fmtMs(ms) { return ms === null || ms === undefined ? '-' : (ms >= 1000 ? (ms / 1000) + ' s' : ms + ' ms'); }
  function fmtNum(x, d) { return x === null || x === undefined ? '-' : Number(x).toFixed(d); }
  function text(id, value) { document.getElementById(id).textContent = value; }

  function cell(value, field, cls) {
    var td = document.createElement('td');
    td.textContent = value;
    if (field) { td.setAttribute('data-field', field); }
    if (cls) { td.className = cls; }
    return td;
  }

  function fillTable(tbodySelector, rows, keyAttr, keyOf, cellsOf) {
    var tbody = document.querySelector(tbodySelector);
    tbody.textContent = '';
    rows.forEach(function (row) {
      var tr = document.createElement('tr');
      tr.setAttribute(keyAttr, keyOf(row));
      cellsOf(row).forEach(function (td) { tr.appendChild(td); });
      tbody.appendChild(tr);
    });
  }

  /* Goodput rate per class: the change of its goodput counter over the last RATE_WINDOW_MS. */
  function rates(now) {
    var oldest = samples[0];
    for (var i = 0; i < samples.length; i++) {
      if (now.t - samples[i].t <= RATE_WINDOW_MS) { oldest = samples[i]; break; }
    }
    var out = {}, dt = (now.t - oldest.t) / 1000;
    Object.keys(now.goodput).forEach(function (k) {
      out[k] = dt > 0 ? ((now.goodput[k] || 0) - (oldest.goodput[k] || 0)) / dt : 0;
    });
    return out;
  }

  function pushSeries(chart, key, label, color, t0, t, value) {
    var ds = chart.data.datasets.find(function (d) { return d.key === key; });
    if (!ds) {
      ds = { key: key, label: label, data: [], borderColor: color, backgroundColor: color };
      chart.data.datasets.push(ds);
    }
    ds.data.push({ t: t, x: 0, y: value });
    while (ds.data.length && t - ds.data[0].t > HISTORY * 1000) { ds.data.shift(); }
  }

  function rebaseSeries(chart, t) {
    chart.data.datasets.forEach(function (ds) {
      ds.data.forEach(function (p) { p.x = (p.t - t) / 1000; });
    });
    chart.update('none');
  }

  function histogram(chart, noteId, h) {
    var labels = [], counts = [], prev = 0, targets = [];
    h.buckets.forEach(function (b, i) {
      labels.push('\u2264' + b.le);
      counts.push(b.count - prev);
      prev = b.count;
    });
    labels.push('>' + (h.buckets.length ? h.buckets[h.buckets.length - 1].le : 0));
    counts.push(h.count - prev);
    var byBound = {}, bounds = [];
    h.targets.forEach(function (t) {
      var idx = h.buckets.findIndex(function (b) { return Math.abs(b.le - t.seconds) < 1e-9; });
      targets.push({ index: idx, name: t.slo_class });
      if (idx >= 0) {
        if (!(idx in byBound)) { byBound[idx] = []; bounds.push(idx); }
        byBound[idx].push(t.slo_class);
      }
    });
    bounds.sort(function (a, b) { return a - b; });
    var notes = h.count > 0 ? bounds.map(function (idx) {
      return '\u2264' + h.buckets[idx].le + ' s (' + byBound[idx].join(', ') + '): ' + fmtPct(h.buckets[idx].count / h.count);
    }) : [];
    chart.data.labels = labels;
    chart.data.datasets[0].data = counts;
    chart.options.plugins.targetLines.targets = targets;
    chart.update('none');
    var note = document.getElementById(noteId);
    note.setAttribute('data-count', h.count);
    note.textContent = h.count + ' completed' + (notes.length ? '; share of all of them within each target (classes): ' + notes.join(' \u00b7 ') : '');
  }

  function render(d) {
    var t = d.time_ms;
    text('node-id', d.node.id);
    text('node-policy', d.node.policy + (d.node.credits ? '' : ' (no credits)'));
    text('node-worker', d.node.worker + ' \u00d7 ' + d.node.engines);
    text('kpi-requests', fmtInt(d.totals.requests));
    text('kpi-completed', fmtInt(d.totals.completed));
    text('kpi-rejected', fmtInt(d.totals.rejected));
    text('kpi-goodput', fmtInt(d.totals.goodput));
    text('kpi-adherence', fmtPct(d.totals.adherence));
    text('kpi-streams', fmtInt(d.stream_consumers));

    // Goodput rates per class, and the total.
    var sample = { t: t, goodput: { all: d.totals.goodput } };
    d.classes.forEach(function (c) { sample.goodput[c.name] = c.goodput; });
    samples.push(sample);
    while (samples.length > 2 && t - samples[0].t > RATE_WINDOW_MS + 5000) { samples.shift(); }
    var r = rates(sample);
    text('kpi-goodput-rate', fmtNum(r.all, 2));

    d.classes.forEach(function (c, i) {
      if (c.requests > 0 || c.ttft_ms !== null) {
        pushSeries(charts.goodput, c.name, 'class ' + c.name, colorOf(c.name, i), 0, t, r[c.name] || 0);
      }
    });
    rebaseSeries(charts.goodput, t);

    var shown = d.classes.filter(function (c) { return c.requests > 0 || c.ttft_ms !== null; });
    charts.adherence.data.labels = shown.map(function (c) { return 'class ' + c.name; });
    charts.adherence.data.datasets[0].data = shown.map(function (c) { return c.adherence === null ? 0 : 100 * c.adherence; });
    charts.adherence.data.datasets[0].backgroundColor = shown.map(function (c) { return colorOf(c.name); });
    charts.adherence.update('none');

    fillTable('#classes tbody', shown, 'data-class', function (c) { return c.name; }, function (c) {
      return [cell(c.name), cell(fmtMs(c.ttft_ms)), cell(fmtMs(c.tpot_ms)), cell(c.requests, 'requests'),
        cell(c.completed, 'completed'), cell(c.rejected, 'rejected'), cell(c.goodput, 'goodput'),
        cell(fmtPct(c.adherence), 'adherence'), cell(fmtNum(r[c.name] || 0, 2), 'goodput_rate')];
    });

    histogram(charts.ttft, 'ttft-within', d.ttft);
    histogram(charts.tpot, 'tpot-within', d.tpot);

    charts.rejections.data.labels = d.rejections.map(function (x) { return x.reason; });
    charts.rejections.data.datasets[0].data = d.rejections.map(function (x) { return x.count; });
    charts.rejections.update('none');
    fillTable('#rejections tbody', d.rejections, 'data-reason', function (x) { return x.reason; }, function (x) {
      return [cell(x.reason), cell(x.count, 'count')];
    });

    d.engines.forEach(function (e, i) {
      var key = 'engine ' + e.engine, color = colorOf('engine-' + e.engine, i);
      pushSeries(charts.waiting, key, key, color, 0, t, e.waiting || 0);
      pushSeries(charts.vbs, key, key, color, 0, t, e.vbs || 0);
      pushSeries(charts.kv, key, key, color, 0, t, 100 * (e.kv_usage || 0));
    });
    rebaseSeries(charts.waiting, t);
    rebaseSeries(charts.vbs, t);
    rebaseSeries(charts.kv, t);

    fillTable('#nodes tbody', d.nodes, 'data-node', function (n) { return n.id; }, function (n) {
      return [cell(n.id + (n.self ? ' (this node)' : '')), cell(n.address), cell(n.healthy ? 'up' : 'down', 'health', n.healthy ? 'up' : 'down')];
    });
    fillTable('#engines tbody', d.engines, 'data-engine', function (e) { return e.engine; }, function (e) {
      var h = e.healthy === true ? 'healthy' : (e.healthy === false ? 'unhealthy' : 'no answer');
      return [cell('engine ' + e.engine), cell(e.policy || '-'), cell(h, 'health', e.healthy ? 'up' : 'down'),
        cell(fmtInt(e.waiting), 'waiting'), cell(fmtInt(e.admitted), 'admitted'), cell(fmtNum(e.vbs, 2), 'vbs'),
        cell(fmtInt(e.kv_blocks_used), 'kv_blocks_used'), cell(fmtPct(e.kv_usage), 'kv_usage'),
        cell(fmtInt(e.steps_prefill || 0), 'steps_prefill'), cell(fmtInt(e.steps_decode || 0), 'steps_decode')];
    });

    var status = document.getElementById('status');
    status.className = 'live';
    status.textContent = 'live \u00b7 ' + new Date(t).toLocaleTimeString();
    status.setAttribute('data-time-ms', t);
    status.setAttribute('data-updates', Number(status.getAttribute('data-updates')) + 1);
  }

  function poll() {
    fetch('/dashboard/data', { cache: 'no-store' })
      .then(function (res) {
        if (!res.ok) { throw new Error('HTTP ' + res.status); }
        return res.json();
      })
      .then(render)
      .catch(function (err) {
        var status = document.getElementById('status');
        status.className = 'stale';
        status.textContent = 'no data: ' + err.message;
      })
      .finally(function () { setTimeout(poll, POLL_MS); });
  }

  init();
})();
