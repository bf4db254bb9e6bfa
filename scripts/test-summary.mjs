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
  console.log(summarizeTestResults(root).line);
}
