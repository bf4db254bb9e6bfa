/**
 * Renderers of a {@link RunReport}: plain text for a terminal, Markdown for a ticket or a PR, JSON for
 * tools.
 */
import type { DiskSummary, HostReport, ReportStat, RunReport } from './build-report';
import { num, storageSummaryLines } from './storage-summary';

/** The report as JSON (indent 2, trailing newline). */
export function renderReportJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}


type Row = [label: string, stat: ReportStat | null];

function diskRows(prefix: string, d: DiskSummary): Row[] {
  return [
    [`${prefix}read MB/s`, d.readMBps],
    [`${prefix}write MB/s`, d.writeMBps],
    [`${prefix}read IOPS`, d.readIops],
    [`${prefix}write IOPS`, d.writeIops],
    [`${prefix}r_await ms`, d.readAwaitMs],
    [`${prefix}w_await ms`, d.writeAwaitMs],
    [`${prefix}%util`, d.utilPercent],
  ];
}

const CPU_ORDER = ['user', 'nice', 'system', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guestNice', 'idle', 'busy'];

function hostRows(h: HostReport): Row[] {
  const rows: Row[] = diskRows('disk ', h.disk);
  rows.push(['net rx MB/s', h.network.rxMBps], ['net tx MB/s', h.network.txMBps]);
  const modes = Object.keys(h.cpu).sort((a, b) => (CPU_ORDER.indexOf(a) + 1 || 99) - (CPU_ORDER.indexOf(b) + 1 || 99));
  for (const mode of modes) {
    // All-zero modes (nice, steal on bare metal) are noise in a summary; JSON keeps them.
    const s = h.cpu[mode]!;
    if (s.max === 0 && mode !== 'iowait') continue;
    rows.push([`cpu ${mode} %`, s]);
  }
  rows.push(['memory used GiB', h.memoryUsedGiB]);
  for (const [k, s] of Object.entries(h.psi)) rows.push([`psi ${k.replace('_', ' ')} %`, s]);
  return rows.filter(([, s]) => s !== null);
}

function hostHeadline(h: HostReport): string {
  const parts = [`${h.samples} samples`, `${h.gaps.length} gap${h.gaps.length === 1 ? '' : 's'}`];
  if (h.errorSamples > 0) parts.push(`${h.errorSamples} with errors`);
  const name = h.hostname !== null && h.hostname !== h.host ? `${h.host} (${h.hostname})` : h.host;
  return `${name}${h.status !== null ? ` [${h.status}]` : ''}: ${parts.join(', ')}`;
}

function runLines(r: RunReport): string[] {
  const lines: string[] = [];
  const span = r.startTime !== null ? `${r.startTime} → ${r.endTime ?? '?'}${r.durationSeconds !== null ? ` (${num(r.durationSeconds)} s)` : ''}` : 'no start time';
  lines.push(`Run: ${span}`);
  lines.push(
    `Interval ${r.intervalSeconds} s, method ${r.collectionMethod}, hosts ${r.hostsCollected.length}/${r.hostsRequested.length} collected, ${r.numSamples} samples` +
      (r.skippedTicks !== null ? `, ${r.skippedTicks} skipped tick${r.skippedTicks === 1 ? '' : 's'}` : ''),
  );
  if (r.meta.benchmark !== undefined) lines.push(`Benchmark: ${r.meta.benchmark}`);
  if (r.meta.source !== undefined) lines.push(`Source: ${r.meta.source}`);
  return lines;
}

/** The report as aligned plain text (one table per host: mean, p50, p95, max). */
export function renderReportText(r: RunReport): string {
  const out: string[] = [r.title, '='.repeat(Math.min(78, r.title.length)), ...runLines(r), ''];
  // The storage under test leads (issue 12): what the benchmark's own directories lived on and did.
  const storage = storageSummaryLines(r.storage);
  if (storage.length > 0) out.push(...storage, '');
  for (const h of r.hosts) {
    out.push(hostHeadline(h));
    const rows = hostRows(h);
    if (rows.length === 0) {
      out.push('  (no rates: fewer than two good samples)', '');
      continue;
    }
    const w = Math.max(...rows.map(([l]) => l.length), 6);
    const col = (s: string): string => s.padStart(10);
    out.push(`  ${''.padEnd(w)} ${col('mean')} ${col('p50')} ${col('p95')} ${col('max')}`);
    for (const [label, s] of rows) {
      out.push(`  ${label.padEnd(w)} ${col(num(s!.mean))} ${col(num(s!.p50))} ${col(num(s!.p95))} ${col(num(s!.max))}`);
    }
    if (h.devices.length > 0) {
      out.push('  devices (mean / max):');
      for (const d of h.devices) {
        const f = (s: ReportStat | null): string => (s === null ? '-' : `${num(s.mean)}/${num(s.max)}`);
        out.push(
          `    ${d.device}${d.inTotals ? '' : ' (not in totals)'}: read ${f(d.readMBps)} MB/s, write ${f(d.writeMBps)} MB/s, ` +
            `IOPS r ${f(d.readIops)} w ${f(d.writeIops)}, await r ${f(d.readAwaitMs)} w ${f(d.writeAwaitMs)} ms, util ${f(d.utilPercent)} %`,
        );
      }
    }
    out.push(...netfsLines(h));
    if (h.gaps.length > 0) {
      out.push(`  gaps: ${h.gaps.slice(0, 5).map((g) => `${g.from} +${num(g.seconds)} s`).join('; ')}${h.gaps.length > 5 ? ` … (${h.gaps.length})` : ''}`);
    }
    if (h.lastError !== null) out.push(`  last error: ${h.lastError}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The network filesystem section of a host (nfsiostat-like per mount), or nothing without one. */
function netfsLines(h: HostReport): string[] {
  const list = h.networkFilesystems ?? [];
  if (list.length === 0) return [];
  const f = (s: ReportStat | null): string => (s === null ? '-' : `${num(s.mean)}/${num(s.max)}`);
  const out = ['  network filesystems (mean / max):'];
  for (const m of list) {
    const title = m.kind === 'nfs' ? `nfs ${m.name} (${m.source})` : `${m.kind} ${m.name}`;
    let line = `    ${title}: op/s ${f(m.opsPerSec)}, read ${f(m.readMBps)} MB/s ${f(m.readOpsPerSec)} ops/s, write ${f(m.writeMBps)} MB/s ${f(m.writeOpsPerSec)} ops/s`;
    if (m.kind === 'nfs') {
      line += `, RTT r ${f(m.readRttMs)} w ${f(m.writeRttMs)} ms, exe r ${f(m.readExeMs)} w ${f(m.writeExeMs)} ms, retrans/s ${f(m.retransPerSec)}`;
    }
    out.push(line);
  }
  return out;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The report as GitHub-flavoured Markdown (a table per host). */
export function renderReportMarkdown(r: RunReport): string {
  const out: string[] = [`# ${mdCell(r.title)}`, '', ...runLines(r).map((l) => `- ${mdCell(l)}`), ''];
  const storage = storageSummaryLines(r.storage);
  if (storage.length > 0) out.push('## Storage under test', '', '```', ...storage.slice(1), '```', '');
  for (const h of r.hosts) {
    out.push(`## ${mdCell(hostHeadline(h))}`, '');
    const rows = hostRows(h);
    if (rows.length === 0) {
      out.push('_No rates: fewer than two good samples._', '');
      continue;
    }
    out.push('| metric | mean | p50 | p95 | max |', '|---|---:|---:|---:|---:|');
    for (const [label, s] of rows) out.push(`| ${mdCell(label)} | ${num(s!.mean)} | ${num(s!.p50)} | ${num(s!.p95)} | ${num(s!.max)} |`);
    out.push('');
    if (h.devices.length > 0) {
      out.push('| device | read MB/s (mean/max) | write MB/s | read IOPS | write IOPS | %util |', '|---|---:|---:|---:|---:|---:|');
      const f = (s: ReportStat | null): string => (s === null ? '-' : `${num(s.mean)} / ${num(s.max)}`);
      for (const d of h.devices) {
        out.push(`| ${mdCell(d.device)}${d.inTotals ? '' : ' ¹'} | ${f(d.readMBps)} | ${f(d.writeMBps)} | ${f(d.readIops)} | ${f(d.writeIops)} | ${f(d.utilPercent)} |`);
      }
      if (h.devices.some((d) => !d.inTotals)) out.push('', '¹ partition or stacked volume, not counted in the host totals.');
      out.push('');
    }
    const netfs = h.networkFilesystems ?? [];
    if (netfs.length > 0) {
      const f = (x: ReportStat | null): string => (x === null ? '-' : `${num(x.mean)} / ${num(x.max)}`);
      out.push(
        '| network filesystem | op/s (mean/max) | read MB/s | read ops/s | write MB/s | write ops/s | read RTT ms | write RTT ms | read exe ms | write exe ms |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      );
      for (const m of netfs) {
        const title = m.kind === 'nfs' ? `nfs ${m.name} (${m.source})` : `${m.kind} ${m.name}`;
        out.push(
          `| ${mdCell(title)} | ${f(m.opsPerSec)} | ${f(m.readMBps)} | ${f(m.readOpsPerSec)} | ${f(m.writeMBps)} | ${f(m.writeOpsPerSec)} | ` +
            `${f(m.readRttMs)} | ${f(m.writeRttMs)} | ${f(m.readExeMs)} | ${f(m.writeExeMs)} |`,
        );
      }
      out.push('');
    }
    if (h.gaps.length > 0) out.push(`Gaps: ${h.gaps.map((g) => `${g.from} (+${num(g.seconds)} s)`).join(', ')}`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
