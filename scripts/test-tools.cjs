'use strict';
// The system tools the test suites use, in one place: which Debian package provides each, how to find it,
// and jest helpers that run a suite only when its tools are here. `scripts/run.mjs` (`npm test`) reads the
// same table to install what is missing (root with apt-get) or to say which suites are skipped and why.
//
// Rules (issue 11): a suite whose tool is missing is skipped, never silently (every skip is recorded in
// test-skips.jsonl at the repo root and printed above the closing line); under CI=true a missing tool is a
// failure, never a skip.
const { spawnSync } = require('node:child_process');
const { accessSync, appendFileSync, constants, existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { delimiter, join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
/**
 * Where skipped suites are recorded (one JSON object a line), read by scripts/test-summary.mjs.
 * MLPS_TEST_SKIPS_FILE moves it (the tests of this helper use their own).
 */
const SKIPS_FILE = process.env.MLPS_TEST_SKIPS_FILE || join(ROOT, 'test-skips.jsonl');

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH (the environment the tests run in), else undefined. */
function onPath(name, extraDirs = []) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean).concat(extraDirs);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Every tool a suite may ask for: what it is, the Debian package that provides it (none for root), and
 * how it is found. sshd is looked up where scripts/testhosts.sh runs it ($SSHD or /usr/sbin/sshd); `ip`
 * also in /usr/sbin and /sbin because a Debian user's PATH lacks them while root's has them.
 */
const TOOLS = {
  root: { debian: null, find: () => (process.getuid?.() === 0 ? 'uid 0' : undefined), how: 'run as root: sudo npm test' },
  sshd: { debian: 'openssh-server', find: () => { const p = process.env.SSHD || '/usr/sbin/sshd'; return executable(p) ? p : undefined; } },
  ssh: { debian: 'openssh-client', find: () => onPath('ssh') },
  'ssh-keygen': { debian: 'openssh-client', find: () => onPath('ssh-keygen') },
  ip: { debian: 'iproute2', find: () => onPath('ip', ['/usr/sbin', '/sbin']) },
  // scripts/testhosts.sh stop-sshd finds an sshd's session children with ps (not in minimal Debian images).
  ps: { debian: 'procps', find: () => onPath('ps') },
  chromium: { debian: 'chromium', find: () => onPath('chromium') },
  promtool: { debian: 'prometheus', find: () => onPath('promtool') },
  python3: { debian: 'python3', find: () => onPath('python3') },
  // A loop device of the test's own (losetup, util-linux); containers often have none.
  'loop-device': {
    debian: null,
    find: () => (executable('/dev/loop-control') || existsSync('/dev/loop-control') ? onPath('losetup', ['/usr/sbin', '/sbin']) : undefined),
    how: 'a machine with loop devices (/dev/loop-control) and root',
  },
  // A zram device of the test's own (hot_add/hot_remove of the zram module); `modprobe zram` may be impossible in a container.
  zram: {
    debian: null,
    find: () => (existsSync('/sys/class/zram-control/hot_add') ? '/sys/class/zram-control' : undefined),
    how: 'the zram module loaded (modprobe zram, as root; not possible in every container)',
  },
  'mkfs.ext4': { debian: 'e2fsprogs', find: () => onPath('mkfs.ext4', ['/usr/sbin', '/sbin']) },
};

/** The Debian packages the full test suite uses, in install order. */
const DEBIAN_PACKAGES = [...new Set(Object.values(TOOLS).map((t) => t.debian).filter(Boolean))];

function knownTool(id) {
  const tool = TOOLS[id];
  if (!tool) throw new Error(`test-tools: unknown tool '${id}' (known: ${Object.keys(TOOLS).join(', ')})`);
  return tool;
}

/** The absolute path of tool `id`, or undefined when it is missing. */
function toolPath(id) {
  return knownTool(id).find();
}

/** The ids in `ids` that are missing here. */
function missingTools(ids) {
  return ids.filter((id) => knownTool(id).find() === undefined);
}

/** One line: what is missing and how to get it, e.g. "chromium (apt-get install chromium)". */
function howToGet(ids) {
  return ids
    .map((id) => {
      const tool = knownTool(id);
      return tool.debian ? `${id} (Debian package ${tool.debian}: apt-get install ${tool.debian}, as root)` : `${id} (${tool.how})`;
    })
    .join('; ');
}

const inCi = () => process.env.CI === 'true' || process.env.CI === '1';

function currentTestFile() {
  try {
    // eslint-disable-next-line no-undef
    const path = expect.getState().testPath;
    return path ? relative(ROOT, path) : 'unknown test file';
  } catch {
    return 'unknown test file';
  }
}

function recordSkip(kind, name, missing) {
  const entry = { file: currentTestFile(), [kind]: name, missing, how: howToGet(missing) };
  try {
    appendFileSync(SKIPS_FILE, `${JSON.stringify(entry)}\n`);
  } catch {
    // A read-only checkout: the skip still shows in jest's own counts.
  }
}

function failureMessage(missing) {
  return `CI=true and this suite needs ${howToGet(missing)}: a missing tool is a failure in CI, never a skip`;
}

/**
 * `describe(name, fn)` when every tool in `tools` is here. Otherwise `describe.skip` (all its tests count as
 * skipped and the skip is recorded with its reason), or under CI=true one failing test that names what is
 * missing. Put the suite's beforeAll/afterAll inside `fn`, so a skipped suite runs none of them.
 */
function describeWithTools(tools, name, fn) {
  const missing = missingTools(tools);
  if (missing.length === 0) return describe(name, fn);
  if (inCi()) {
    return describe(name, () => {
      it('has the system tools it needs', () => {
        throw new Error(failureMessage(missing));
      });
    });
  }
  recordSkip('suite', name, missing);
  return describe.skip(name, fn);
}

/** `it(name, fn, timeout)` when every tool in `tools` is here; otherwise as {@link describeWithTools}. */
function itWithTools(tools, name, fn, timeout) {
  const missing = missingTools(tools);
  if (missing.length === 0) return it(name, fn, timeout);
  if (inCi()) {
    return it(name, () => {
      throw new Error(failureMessage(missing));
    });
  }
  recordSkip('test', name, missing);
  return it.skip(name, fn, timeout);
}

function testFiles(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) testFiles(path, out);
    else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/**
 * Which test files ask for which tools, read from their `describeWithTools([...]` / `itWithTools([...]`
 * calls: tool id -> test files (relative to the repo root). `npm test` uses it to say what it installs and
 * why, or what it skips.
 */
function toolUsers(root = ROOT) {
  const users = new Map();
  const files = [];
  for (const group of ['packages', 'apps']) {
    let names = [];
    try {
      names = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        testFiles(join(root, group, name, 'src'), files);
      } catch {
        // A package without src/.
      }
    }
  }
  const call = /(?:describe|it)WithTools\(\s*\[([^\]]*)\]/g;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(call)) {
      for (const id of match[1].matchAll(/['"]([^'"]+)['"]/g)) {
        const list = users.get(id[1]) ?? [];
        const rel = relative(root, file);
        if (!list.includes(rel)) list.push(rel);
        users.set(id[1], list);
      }
    }
  }
  return users;
}

/** apt-get with its output kept quiet; returns undefined on success, else its last error line. */
function aptGet(args) {
  const result = spawnSync('apt-get', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) return result.error.message;
  if (result.status === 0) return undefined;
  const lines = (result.stderr ?? '').trim().split('\n').filter(Boolean);
  return lines[lines.length - 1] ?? `exit code ${result.status}`;
}

/**
 * Makes the system tools the test suites under `root` ask for present: as root with apt-get, installs the
 * missing ones' Debian packages (`apt-get update` once first), one line each saying what and why. What is
 * still missing is named with the suites it affects (skipped, or failing under CI=true). Returns the ids
 * still missing.
 */
function provisionTestTools(root = ROOT, log = (line) => console.error(line)) {
  const users = toolUsers(root);
  for (const [id, files] of users) if (!(id in TOOLS)) log(`mlps: tests ask for an unknown tool '${id}' (${files.join(', ')})`);
  const wanted = [...users.keys()].filter((id) => id in TOOLS).sort();
  let missing = missingTools(wanted);
  const packages = [...new Set(missing.map((id) => TOOLS[id].debian).filter(Boolean))];
  const canInstall = process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (packages.length > 0 && canInstall) {
    log('mlps: apt-get update (once, before installing the system tools the tests use)');
    const updateError = aptGet(['update', '-qq']);
    if (updateError) log(`mlps: apt-get update failed: ${updateError}`);
    for (const pkg of packages) {
      const ids = missing.filter((id) => TOOLS[id].debian === pkg);
      const suites = [...new Set(ids.flatMap((id) => users.get(id)))];
      log(`mlps: installing ${pkg} (provides ${ids.join(', ')}; used by ${suites.join(', ')})`);
      const error = aptGet(['install', '-y', '-qq', '--no-install-recommends', pkg]);
      if (error) log(`mlps: apt-get install ${pkg} failed: ${error}`);
    }
    missing = missingTools(wanted);
  }
  for (const id of missing) {
    const suites = users.get(id).join(', ');
    if (inCi()) log(`mlps: missing ${howToGet([id])}; CI=true, so these fail: ${suites}`);
    else log(`mlps: missing ${howToGet([id])}; skipping what needs it in: ${suites}`);
  }
  return missing;
}

module.exports = { TOOLS, DEBIAN_PACKAGES, SKIPS_FILE, toolPath, missingTools, howToGet, describeWithTools, itWithTools, toolUsers, provisionTestTools };
