/**
 * The browser side of the HTML report, as text inlined into the page (ES2017, no modules, no network).
 * It reads the embedded chart data (see `ReportChartData`), draws one uPlot chart per metric family with a
 * synchronised crosshair, drag-to-zoom (double-click resets), shaded gaps, and host/device toggles. In live
 * mode it polls `data.json` beside the page and redraws.
 *
 * `window.mlpsReport` exposes the charts to tests: `charts[i] = { id, title, plot }` and
 * `setHost(host, on)` / `setDevice(device, on)`.
 */
export const REPORT_CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#ad494a', '#637939', '#8c6d31', '#7b4173', '#3182bd'];
  var state = { data: null, plots: [], hostOn: {}, deviceOn: {} };
  var api = { charts: [], ready: false, updates: 0, setHost: setHost, setDevice: setDevice };
  window.mlpsReport = api;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fmt(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '-';
    var a = Math.abs(v);
    var d = digits !== undefined ? digits : a >= 100 ? 0 : a >= 10 ? 1 : 2;
    return v.toFixed(d);
  }

  function table(rows, head) {
    var t = el('table');
    if (head) {
      var tr = el('tr');
      head.forEach(function (h) { tr.appendChild(el('th', null, h)); });
      t.appendChild(tr);
    }
    rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (c) { tr.appendChild(el('td', null, c)); });
      t.appendChild(tr);
    });
    return t;
  }

  function renderHeader(d) {
    var h = document.getElementById('header');
    h.textContent = '';
    h.appendChild(el('h1', null, d.title));
    var meta = d.meta || [];
    if (meta.length) {
      var box = el('div', { class: 'meta' });
      meta.forEach(function (m) {
        var item = el('span', { class: 'meta-item' });
        item.appendChild(el('b', null, m[0] + ': '));
        item.appendChild(document.createTextNode(m[1]));
        box.appendChild(item);
      });
      h.appendChild(box);
    }
    if (d.parameters && d.parameters.length) {
      var det = el('details');
      det.appendChild(el('summary', null, 'Parameters'));
      det.appendChild(table(d.parameters.map(function (p) { return [p[0], p[1]]; })));
      h.appendChild(det);
    }
    h.appendChild(el('h2', null, 'Hosts'));
    h.appendChild(table(d.hosts.map(function (x) {
      return [x.name, x.hostname || '', x.status || '', String(x.samples), String(x.gaps), x.lastError || ''];
    }), ['host', 'hostname', 'status', 'samples', 'gaps', 'last error']));
    if (d.gaps.length) {
      var g = el('p', { class: 'gaps' }, d.gaps.length + ' gap(s) without data (host outage, or interval > 1.5 x ' + d.intervalSeconds + ' s) shaded in red on the charts.');
      h.appendChild(g);
    }
  }

  function renderToggles(d) {
    var box = document.getElementById('toggles');
    box.textContent = '';
    var hosts = el('div', { class: 'toggle-group' });
    hosts.appendChild(el('strong', null, 'Hosts: '));
    d.hosts.forEach(function (x) {
      if (!(x.name in state.hostOn)) state.hostOn[x.name] = true;
      hosts.appendChild(checkbox('host', x.name, state.hostOn[x.name], function (on) { setHost(x.name, on); }));
    });
    box.appendChild(hosts);
    var devices = {};
    d.charts.forEach(function (c) { c.series.forEach(function (s) { if (s.device) devices[s.device] = true; }); });
    var names = Object.keys(devices).sort();
    if (names.length) {
      var devs = el('div', { class: 'toggle-group' });
      devs.appendChild(el('strong', null, 'Devices: '));
      names.forEach(function (n) {
        if (!(n in state.deviceOn)) state.deviceOn[n] = true;
        devs.appendChild(checkbox('device', n, state.deviceOn[n], function (on) { setDevice(n, on); }));
      });
      box.appendChild(devs);
    }
  }

  function checkbox(kind, name, on, cb) {
    var label = el('label', { class: 'toggle' });
    var input = el('input', { type: 'checkbox', 'data-kind': kind, 'data-name': name });
    input.checked = on;
    input.addEventListener('change', function () { cb(input.checked); });
    label.appendChild(input);
    label.appendChild(document.createTextNode(' ' + name));
    return label;
  }

  function syncCheckbox(kind, name, on) {
    var boxes = document.querySelectorAll('input[data-kind="' + kind + '"]');
    for (var i = 0; i < boxes.length; i++) if (boxes[i].getAttribute('data-name') === name) boxes[i].checked = on;
  }

  function setHost(host, on) {
    state.hostOn[host] = !!on;
    syncCheckbox('host', host, !!on);
    applyVisibility();
  }

  function setDevice(device, on) {
    state.deviceOn[device] = !!on;
    syncCheckbox('device', device, !!on);
    applyVisibility();
  }

  function visible(s) {
    return state.hostOn[s.host] !== false && (!s.device || state.deviceOn[s.device] !== false);
  }

  function applyVisibility() {
    state.plots.forEach(function (p) {
      p.chart.series.forEach(function (s, i) {
        var show = visible(s);
        if (p.plot.series[i + 1].show !== show) p.plot.setSeries(i + 1, { show: show });
      });
    });
  }

  function gapPlugin(gaps) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = 'rgba(220, 40, 40, 0.15)';
          gaps.forEach(function (g) {
            var x0 = u.valToPos(g.from, 'x', true);
            var x1 = u.valToPos(g.to, 'x', true);
            var left = Math.max(u.bbox.left, Math.min(x0, x1));
            var right = Math.min(u.bbox.left + u.bbox.width, Math.max(x0, x1));
            if (right > left) ctx.fillRect(left, u.bbox.top, Math.max(1, right - left), u.bbox.height);
          });
          ctx.restore();
        }],
      },
    };
  }

  function chartWidth() {
    var w = document.getElementById('charts').clientWidth;
    return Math.max(320, (w || 900) - 8);
  }

  function renderCharts(d) {
    var box = document.getElementById('charts');
    state.plots.forEach(function (p) { p.plot.destroy(); });
    state.plots = [];
    box.textContent = '';
    api.charts = [];
    d.charts.forEach(function (c, ci) {
      var section = el('section', { class: 'chart', 'data-chart': c.id });
      section.appendChild(el('h2', null, c.title + (c.unit ? ' (' + c.unit + ')' : '')));
      var target = el('div', { class: 'plot' });
      section.appendChild(target);
      box.appendChild(section);
      var series = [{ label: 'time' }];
      c.series.forEach(function (s, i) {
        series.push({
          label: s.label,
          stroke: PALETTE[(s.colorIndex !== undefined ? s.colorIndex : i) % PALETTE.length],
          width: 1.5,
          dash: s.dashed ? [6, 4] : undefined,
          spanGaps: true,
          show: visible(s),
          value: function (u, v) { return fmt(v); },
        });
      });
      var opts = {
        width: chartWidth(),
        height: 240,
        series: series,
        scales: { x: { time: true } },
        axes: [{}, { size: 60, values: function (u, ticks) { return ticks.map(function (v) { return fmt(v); }); } }],
        cursor: { sync: { key: 'mlps', setSeries: false }, drag: { x: true, y: false } },
        legend: { live: true },
        plugins: [gapPlugin(d.gaps)],
      };
      var plot = new uPlot(opts, [d.x].concat(c.series.map(function (s) { return s.values; })), target);
      state.plots.push({ chart: c, plot: plot });
      api.charts.push({ id: c.id, title: c.title, plot: plot, index: ci });
    });
  }

  function render(d) {
    state.data = d;
    document.title = d.title;
    renderHeader(d);
    renderToggles(d);
    renderCharts(d);
    applyVisibility();
    var note = document.getElementById('note');
    note.textContent = d.live ? 'Live: refreshed every ' + d.refreshSeconds + ' s; last update ' + new Date().toLocaleTimeString() + '.' : 'Drag on a chart to zoom, double-click to reset; click a legend entry or a checkbox to hide a series.';
    api.ready = true;
    api.updates++;
  }

  function sameShape(a, b) {
    if (!a || a.charts.length !== b.charts.length) return false;
    for (var i = 0; i < a.charts.length; i++) {
      var x = a.charts[i], y = b.charts[i];
      if (x.id !== y.id || x.series.length !== y.series.length) return false;
      for (var j = 0; j < x.series.length; j++) if (x.series[j].label !== y.series[j].label) return false;
    }
    return true;
  }

  function update(d) {
    if (!sameShape(state.data, d)) { render(d); return; }
    state.data = d;
    renderHeader(d);
    state.plots.forEach(function (p, i) {
      p.chart = d.charts[i];
      p.plot.setData([d.x].concat(p.chart.series.map(function (s) { return s.values; })));
    });
    applyVisibility();
    document.getElementById('note').textContent = 'Live: refreshed every ' + d.refreshSeconds + ' s; last update ' + new Date().toLocaleTimeString() + '.';
    api.updates++;
  }

  function poll() {
    fetch('data.json', { cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) update(d); })
      .catch(function () {})
      .then(function () { setTimeout(poll, (state.data.refreshSeconds || 2) * 1000); });
  }

  var data = JSON.parse(document.getElementById('mlps-data').textContent);
  render(data);
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      var w = chartWidth();
      state.plots.forEach(function (p) { p.plot.setSize({ width: w, height: 240 }); });
    }, 100);
  });
  if (data.live) setTimeout(poll, (data.refreshSeconds || 2) * 1000);
})();
`;
