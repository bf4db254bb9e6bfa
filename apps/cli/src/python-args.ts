import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command, type Option } from 'commander';
import { MlpsError } from '@mlps/timeseries';
import { DEFAULT_HOSTS, type CommonParsed } from './options';

/**
 * What makes a parsed command line look like Python `mlpstorage`'s `vars(args)`: snake_case keys, the
 * program and command, `data_access_protocol`, `num_processes`, and the flags the engine did not honour.
 */

/** A flag the user gave that the chosen engine cannot honour: accepted, recorded, named in one warning. */
export interface NotHonoured {
  /** The flag as written on the command line, e.g. `--closed` or `--exec-type docker`. */
  flag: string;
  /** Why, in a few words. */
  why: string;
}

/** `clientHostMemoryInGb` → `client_host_memory_in_gb`: commander's attribute name as argparse's dest. */
export function snakeCase(attribute: string): string {
  return attribute.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `client_host_memory_in_gb` or `client-host-memory-in-gb` → `clientHostMemoryInGb`. */
export function camelCase(name: string): string {
  return name.replace(/[-_]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** True when the user gave the option (on the command line or in `--config-file`), not a default. */
export function givenByUser(cmd: Command, attribute: string): boolean {
  const source = cmd.getOptionValueSource(attribute);
  return source === 'cli' || source === 'config' || source === 'env';
}

/**
 * The run's `args` as `mlpstorage` records them (`vars(args)` after its `update_args`): every option of
 * the command under its argparse name (snake_case), `program`, `command`, `hosts` (Python's default
 * `["127.0.0.1"]` when none was given), `data_access_protocol` (`file` or the object API) instead of
 * `file`/`object`, `closed`, and `num_processes` taken from `--num-accelerators`/`--max-accelerators`
 * where the command has no `--num-processes`. Ours go beside them: `not_honoured` lists the flags the
 * engine did not honour (argparse names).
 */
export function pythonArgs(options: {
  program: string;
  command: string;
  cmd: Command;
  notHonoured?: readonly NotHonoured[];
}): Record<string, unknown> {
  const { cmd } = options;
  const values = cmd.opts() as Record<string, unknown>;
  const args: Record<string, unknown> = { program: options.program, command: options.command };
  for (const o of cmd.options) {
    const attribute = o.attributeName();
    if (attribute === 'file' || attribute === 'object') continue;
    const value = values[attribute];
    args[snakeCase(attribute)] = value === undefined ? (o.isBoolean() ? false : null) : value;
  }
  if ('hosts' in args) {
    // As mlpstorage's update_args: a comma-separated value is a list of hosts.
    const hosts = Array.isArray(args.hosts) ? (args.hosts as string[]).flatMap((h) => h.split(',')).filter((h) => h !== '') : [];
    args.hosts = hosts.length > 0 ? hosts : [...DEFAULT_HOSTS];
  }
  if (cmd.options.some((o) => o.attributeName() === 'object')) {
    const object = values.object;
    args.data_access_protocol = typeof object === 'string' ? object : 'file';
  }
  if ('closed' in args) args.closed = values.closed === true;
  if (args.num_processes === undefined || args.num_processes === null) {
    for (const key of ['num_accelerators', 'max_accelerators']) {
      if (typeof args[key] === 'number') {
        args.num_processes = args[key];
        break;
      }
    }
  }
  // update_args: vectordb runs for VECTORDB_DEFAULT_RUNTIME (60 s) when neither end condition is given.
  if ('runtime' in args && 'queries' in args && args.runtime === null && args.queries === null) args.runtime = 60;
  args.not_honoured = (options.notHonoured ?? []).map((n) => snakeCase(camelCase(n.flag.replace(/^--/, '').split(' ')[0] ?? '')));
  return args;
}

/** The flags of the universal groups that no mlps engine honours, when the user gave them. */
export function universalNotHonoured(cmd: Command, p: CommonParsed): NotHonoured[] {
  const out: NotHonoured[] = [];
  // With --engine dlio, --object does what it does in mlpstorage: nothing (DLIO takes storage.* --params).
  if (givenByUser(cmd, 'object') && typeof p.object === 'string' && p.engine !== 'dlio') {
    out.push({ flag: `--object ${p.object}`, why: 'object storage is not run by mlps; files are used' });
  }
  if (p.closed) out.push({ flag: '--closed', why: 'mlps does not check the closed-division rules' });
  if (p.verifyLockfile !== undefined) out.push({ flag: '--verify-lockfile', why: 'mlps has no Python packages to verify' });
  if (p.skipValidation) out.push({ flag: '--skip-validation', why: "mlps' checks of arguments and programs always run" });
  // With --engine dlio, docker runs dlio_benchmark without MPI, as mlpstorage does.
  if (p.execType === 'docker' && p.engine !== 'dlio') out.push({ flag: '--exec-type docker', why: 'mlps does not launch containers' });
  return out;
}

/**
 * The one warning line naming every flag that was accepted and recorded but not honoured. `engine` is the
 * command's `--engine` value (undefined for commands without one).
 */
export function notHonouredWarning(items: readonly NotHonoured[], engine: string | undefined): string | null {
  if (items.length === 0) return null;
  const list = items.map((n) => `${n.flag} (${n.why})`).join('; ');
  const by = engine === 'builtin' ? 'by the built-in engine' : engine ? `with --engine ${engine}` : 'by mlps';
  return `mlpstorage: warning: accepted and recorded in the metadata (args.not_honoured), not honoured ${by}: ${list}`;
}

// --- --config-file -----------------------------------------------------------------------------------

type YamlScalar = string | number | boolean | null;
type YamlValue = YamlScalar | YamlScalar[] | Record<string, YamlScalar>;

function parseScalar(raw: string): YamlScalar {
  const text = raw.trim();
  if (text === '' || text === '~' || /^null$/i.test(text)) return null;
  const quoted = /^'(.*)'$/.exec(text) ?? /^"(.*)"$/.exec(text);
  if (quoted) return text.startsWith("'") ? (quoted[1] ?? '').replace(/''/g, "'") : (JSON.parse(text) as string);
  // PyYAML (YAML 1.1) reads these as booleans.
  if (/^(true|yes|on)$/i.test(text)) return true;
  if (/^(false|no|off)$/i.test(text)) return false;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function splitFlowList(body: string): YamlScalar[] {
  const items: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const c of body) {
    if (quote) {
      if (c === quote) quote = null;
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === ',') {
      items.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (current.trim() !== '') items.push(current);
  return items.map(parseScalar);
}

/**
 * Reads the YAML that `mlpstorage --config-file` takes: a mapping of argument names (argparse's
 * snake_case, or the flag without dashes) to scalars, lists (`[a, b]` or `- a` lines) and, for `params`, a
 * one-level mapping. Anything beyond that (anchors, nested mappings, several documents) is refused with
 * the line number, never half-read. Never throws anything but `MlpsError` (`INVALID_ARGUMENT`).
 */
export function parseConfigYaml(text: string, source: string): Record<string, YamlValue> {
  const out: Record<string, YamlValue> = {};
  const lines = text.split(/\r?\n/);
  let openKey: string | null = null;
  const fail = (n: number, why: string): never => {
    throw new MlpsError('INVALID_ARGUMENT', `--config-file ${source}: line ${n}: ${why}`);
  };
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = stripComment(lines[i] ?? '').replace(/\s+$/, '');
    if (line.trim() === '' || line.trim() === '---') continue;
    if (line.trim() === '...') break;
    const indented = /^\s/.test(line);
    if (indented) {
      if (openKey === null) fail(n, 'indented line outside a list or mapping');
      const key = openKey as string;
      const item = /^\s+-\s*(.*)$/.exec(line);
      const current = out[key];
      if (item) {
        if (current !== null && !Array.isArray(current)) fail(n, `'${key}' mixes a list and a mapping`);
        out[key] = [...((current as YamlScalar[] | null) ?? []), parseScalar(item[1] ?? '')];
        continue;
      }
      const pair = /^\s+([A-Za-z0-9_.\-]+)\s*:\s*(.*)$/.exec(line);
      if (!pair) fail(n, 'expected "- item" or "key: value"');
      if (Array.isArray(current)) fail(n, `'${key}' mixes a list and a mapping`);
      const value = (pair as RegExpExecArray)[2] ?? '';
      if (value.trim() === '') fail(n, 'nested mappings deeper than one level are not supported');
      out[key] = { ...((current as Record<string, YamlScalar> | null) ?? {}), [(pair as RegExpExecArray)[1] ?? '']: parseScalar(value) };
      continue;
    }
    const m = /^([A-Za-z0-9_\-]+)\s*:(?:\s+(.*))?$/.exec(line);
    if (!m) fail(n, 'expected "name: value"');
    const key = (m as RegExpExecArray)[1] ?? '';
    const rest = ((m as RegExpExecArray)[2] ?? '').trim();
    if (/^[&*!|>]/.test(rest)) fail(n, 'anchors, tags and block scalars are not supported');
    if (rest === '') {
      out[key] = null;
      openKey = key;
      continue;
    }
    openKey = null;
    if (rest.startsWith('[')) {
      if (!rest.endsWith(']')) fail(n, 'unterminated [list]');
      out[key] = splitFlowList(rest.slice(1, -1));
    } else if (rest.startsWith('{')) {
      fail(n, 'inline {mappings} are not supported; write one "key: value" per line');
    } else {
      out[key] = parseScalar(rest);
    }
  }
  return out;
}

function findOption(cmd: Command, key: string): Option | undefined {
  const attribute = camelCase(key);
  return cmd.options.find((o) => o.attributeName() === attribute);
}

function parseOptionValue(o: Option, text: string, previous: unknown): unknown {
  if (o.parseArg) return o.parseArg(text, previous);
  if (o.variadic) return [...((previous as unknown[] | undefined) ?? []), text];
  return text;
}

/**
 * Applies `--config-file` as `mlpstorage` does: after the command line, each known argument in the file
 * overrides it, `null` values are skipped, an unknown name is a warning (`skipping`), `hosts` may be a
 * comma-separated string and `params` a mapping. Values go through the same parsers and choices as on the
 * command line, so a bad value is exit 2 naming the file and the key. Returns the warnings.
 */
export function applyConfigFile(cmd: Command, path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MlpsError('INVALID_ARGUMENT', `--config-file ${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const warnings: string[] = [];
  const config = parseConfigYaml(text, path);
  if (Object.keys(config).length === 0) warnings.push(`config file ${path} is empty`);
  for (const [key, raw] of Object.entries(config)) {
    const o = findOption(cmd, key);
    if (!o || o.attributeName() === 'configFile') {
      warnings.push(`config file contains unknown parameter '${key}', skipping`);
      continue;
    }
    if (raw === null) continue;
    let items: YamlScalar[];
    if (Array.isArray(raw)) items = raw;
    else if (typeof raw === 'object') items = Object.entries(raw).map(([k, v]) => `${k}=${v === null ? '' : String(v)}`);
    else if (o.variadic && typeof raw === 'string' && o.attributeName() === 'hosts') items = raw.split(',');
    else items = [raw];
    let value: unknown;
    try {
      if (o.isBoolean()) {
        if (items.length !== 1 || typeof items[0] !== 'boolean') throw new InvalidArgumentError('must be true or false.');
        value = items[0];
      } else {
        if (!o.variadic && items.length !== 1) throw new InvalidArgumentError('takes one value, not a list.');
        value = undefined;
        for (const item of items) value = parseOptionValue(o, String(item), value);
      }
    } catch (err) {
      throw new MlpsError('INVALID_ARGUMENT', `--config-file ${path}: ${key}: ${(err as Error).message}`);
    }
    cmd.setOptionValueWithSource(o.attributeName(), value, 'config');
  }
  return warnings;
}
