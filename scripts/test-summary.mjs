#!/usr/bin/env node
// Totals jest's JSON results over every workspace package into the one plain line CI reads:
// "N passed, N failed, N skipped". A package whose tests did not produce results counts as failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function listPackages(root) {
  const dirs = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const pkg = join(base, name, 'package.json');
      if (!existsSync(pkg)) continue;
      const manifest = JSON.parse(readFileSync(pkg, 'utf8'));
      if (manifest.scripts?.test) dirs.push(join(base, name));
    }
  }
  return dirs;
}

/** The skips the test helpers recorded (scripts/test-tools.cjs), one object each. */
export function readSkips(root) {
  const file = join(root, 'test-skips.jsonl');
  if (!existsSync(file)) return [];
  const skips = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      skips.push(JSON.parse(line));
    } catch {
      // A line cut short by a killed run.
    }
  }
  return skips;
}

/** Prints each skipped suite or test with the tool it lacks and how to get it (stderr). */
export function printSkips(root) {
  const seen = new Set();
  for (const s of readSkips(root)) {
    const line = `mlps: skipped ${s.file} › ${s.suite ?? s.test}: needs ${s.how}`;
    if (seen.has(line)) continue;
    seen.add(line);
    console.error(line);
  }
}

export function summarizeTestResults(root) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const missing = [];
  for (const dir of listPackages(root)) {
    const file = join(dir, 'test-results.json');
    if (!existsSync(file)) {
      missing.push(dir);
      continue;
    }
    try {
      const r = JSON.parse(readFileSync(file, 'utf8'));
      passed += r.numPassedTests ?? 0;
      failed += (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0);
      skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    } catch {
      missing.push(dir);
    }
  }
  for (const dir of missing) console.error(`mlps: no test results from ${dir} (counted as one failure)`);
  failed += missing.length;
  return { passed, failed, skipped, missing, line: `${passed} passed, ${failed} failed, ${skipped} skipped` };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const summary = summarizeTestResults(root);
  printSkips(root);
  console.log(summary.line);
}
