/**
 * The HTML report: one self-contained file (uPlot, styles, script and data inlined) that opens offline,
 * e.g. from a results directory copied to a laptop. It makes no network request; the live variant only
 * polls `data.json` on the server that served it.
 */
import type { TimeSeriesData } from '../types';
import { buildReportChartData } from './chart-data';
import type { ChartDataOptions, ReportChartData } from './chart-data';
import type { ReportMeta } from './build-report';
import { REPORT_CLIENT_SCRIPT } from './html-client';
import { uplotAssets } from './uplot-assets';
import { isBlockless, storageEntryLine, workloadIoLine, workloadShareLine, type HostStorageSummary } from './storage-summary';

const PAGE_CSS = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 12px 20px; max-width: 1400px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 4px 0 8px; } h2 { font-size: 16px; margin: 14px 0 6px; }
table { border-collapse: collapse; margin: 4px 0 8px; } td, th { border: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } #toggles { position: sticky; top: 0; background: #fff; padding: 6px 0; border-bottom: 1px solid #ddd; z-index: 5; }
.toggle-group { margin: 2px 0; } .toggle { margin-right: 12px; white-space: nowrap; cursor: pointer; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 4px 0 8px; } .meta-item { white-space: nowrap; }
.chart { margin: 10px 0 18px; } .gaps { color: #b22; } #note { color: #666; font-size: 12px; }
`;

/** Makes JSON safe inside `<script type="application/json">`: no `</script`, no `<!--`. */
export function escapeJsonForScript(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inline script text must not contain `</script` (uPlot's does not; guard anyway). */
function safeScript(js: string): string {
  return js.replace(/<\/script/gi, '<\\/script');
}

function fixed(v: number | null, digits: number): string {
  return v === null ? '-' : v.toFixed(digits);
}

/**
 * The storage under test as static HTML (it leads the page, above the charts): per host, where each of the
 * run's directories lives, then a table of its devices' whole-run figures.
 */
export function renderStorageHtml(storage: readonly HostStorageSummary[] | undefined): string {
  if (storage === undefined || storage.length === 0) return '';
  const parts: string[] = ['<div id="storage"><h2>Storage under test</h2>'];
  for (const s of storage) {
    parts.push(`<h3>${escapeHtml(s.host)}${s.selected === 'glob' ? ` — devices matching ${escapeHtml(s.devicesGlob ?? '')} (--devices)` : ''}</h3>`);
    if (s.entries.length > 0) parts.push(`<ul>${s.entries.map((e) => `<li>${escapeHtml(storageEntryLine(e))}</li>`).join('')}</ul>`);
    if (s.devices.length > 0) {
      parts.push(
        '<table><tr><th>device</th><th>write MB/s</th><th>read MB/s</th><th>written MB</th><th>read MB</th><th>write IOPS</th><th>read IOPS</th>' +
          '<th>avg write req KiB</th><th>avg read req KiB</th><th>w_await ms</th><th>r_await ms</th><th>%util</th><th>seconds</th></tr>',
      );
      for (const d of s.devices) {
        const f = d.figures;
        const cells =
          f === null
            ? '<td colspan="12">fewer than two samples with this device</td>'
            : [f.writeMBps, f.readMBps, f.writeBytes / 1e6, f.readBytes / 1e6, f.writeIops, f.readIops].map((v) => `<td>${v.toFixed(2)}</td>`).join('') +
              [f.writeAvgRequestKiB, f.readAvgRequestKiB, f.writeAwaitMs, f.readAwaitMs, f.utilPercent].map((v) => `<td>${fixed(v, 2)}</td>`).join('') +
              `<td>${f.seconds.toFixed(1)}</td>`;
        parts.push(`<tr><td>${escapeHtml(d.device)}</td>${cells}</tr>`);
      }
      parts.push('</table>');
    }
    const blockless = isBlockless(s);
    if (s.workloadIo !== null) {
      parts.push(`<p>${escapeHtml(workloadIoLine(s.workloadIo))}</p>`);
      const share = workloadShareLine(s.workloadIo, s.devices);
      if (share !== null) parts.push(`<p>${escapeHtml(share)}</p>`);
    }
    else if (blockless && s.selected !== 'glob') parts.push('<p>No block device to measure; the workload\'s process I/O was not sampled.</p>');
  }
  parts.push('</div>');
  return parts.join('');
}

/** Renders the page around already built chart data (see `buildReportChartData`). */
export function renderReportHtmlFromChartData(chart: ReportChartData): string {
  const { script, css } = uplotAssets();
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Belt and braces for "no network at view time": the page may load nothing from anywhere.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:;${chart.live ? " connect-src 'self';" : ''}">`,
    `<title>${escapeHtml(chart.title)}</title>`,
    `<style>${css}</style>`,
    `<style>${PAGE_CSS}</style>`,
    '</head><body>',
    `<div id="header"></div>${renderStorageHtml(chart.storage)}<div id="toggles"></div><p id="note"></p><div id="charts"></div>`,
    `<script type="application/json" id="mlps-data">${escapeJsonForScript(JSON.stringify(chart))}</script>`,
    `<script>${safeScript(script)}</script>`,
    `<script>${safeScript(REPORT_CLIENT_SCRIPT)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * The HTML report of a run: one self-contained offline page with a chart per metric family (disk
 * throughput, IOPS, await, %util, network, CPU, memory, PSI), one series per host and device, drag-to-zoom,
 * a synchronised crosshair, host/device toggles, the run's metadata and host status, and gaps shaded.
 */
export function renderReportHtml(data: TimeSeriesData, meta?: ReportMeta, options?: ChartDataOptions): string {
  return renderReportHtmlFromChartData(buildReportChartData(data, meta, options));
}
