import { appendFileSync, closeSync, createReadStream, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { formatRunDatetime, quoteArgument } from '@mlps/benchmark';

/**
 * The command history `mlpstorage` keeps: one line per command, `id,YYYYMMDD_HHMMSS,command`, in
 * `~/mlps_history` (Python's `HISTFILE`), so `history show`/`rerun` of either tool read the other's
 * entries. Ours quotes arguments that need it (Python joins `sys.argv` with spaces, so an argument with
 * a space does not survive its rerun; quoted, it does, and Python's `shlex.split` reads it back the same).
 */

/** One history entry. */
export interface HistoryEntry {
  id: number;
  /** `YYYYMMDD_HHMMSS`, local time, as Python's `DATETIME_STR`. */
  datetime: string;
  /** The command line as recorded (starting with the program name). */
  command: string;
}

/**
 * The history file: `MLPS_HISTORY_FILE` when set (`off` or empty: no history), else `$HOME/mlps_history`
 * as `mlpstorage`. Null when history is off, or when the environment has no HOME (an in-process caller
 * with its own environment), so nothing writes into a home directory it was not given.
 */
export function historyFilePath(env: NodeJS.ProcessEnv): string | null {
  const override = env.MLPS_HISTORY_FILE;
  if (override !== undefined) return override === '' || override === 'off' ? null : override;
  return env.HOME ? join(env.HOME, 'mlps_history') : null;
}

/** `mlpstorage <args…>`, each argument quoted for a POSIX shell when it needs it. */
export function formatHistoryCommand(args: readonly string[]): string {
  return ['mlpstorage', ...args.map(quoteArgument)].join(' ');
}

/** Parses one line (`id,datetime,command`); null for a line that is not one (as Python skips them). */
export function parseHistoryLine(line: string): HistoryEntry | null {
  const first = line.indexOf(',');
  const second = first < 0 ? -1 : line.indexOf(',', first + 1);
  if (second < 0) return null;
  const idText = line.slice(0, first).trim();
  if (!/^\d+$/.test(idText)) return null;
  return { id: Number(idText), datetime: line.slice(first + 1, second), command: line.slice(second + 1).replace(/\r?\n$/, '') };
}

/** The last entry, reading only the end of the file (the history grows for as long as it is used). */
export function lastHistoryEntry(file: string): HistoryEntry | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    const last = lines[lines.length - 1];
    return last === undefined ? null : parseHistoryLine(last);
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends the command `args` and returns its id (the last id + 1, as Python). One `write` of one line in
 * append mode, so concurrent commands never interleave inside a line.
 */
export function appendHistoryEntry(file: string, args: readonly string[], now: Date = new Date()): number {
  mkdirSync(dirname(file), { recursive: true });
  const id = (lastHistoryEntry(file)?.id ?? 0) + 1;
  appendFileSync(file, `${id},${formatRunDatetime(now)},${formatHistoryCommand(args)}\n`);
  return id;
}

/** Every entry in order, streamed line by line; `limit` keeps only the most recent ones. */
export async function readHistory(file: string, limit?: number): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  const stream = createReadStream(file, { encoding: 'utf8' });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    const entry = parseHistoryLine(line);
    if (!entry) continue;
    out.push(entry);
    if (limit !== undefined && out.length > limit) out.shift();
  }
  return out;
}

/** Splits a recorded command as Python's `shlex.split` (POSIX): quotes, backslashes, whitespace. */
export function splitCommandLine(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < text.length && '\\"$`\n'.includes(text[i + 1] as string)) current += text[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error('unterminated quote');
  if (inWord) out.push(current);
  return out;
}
