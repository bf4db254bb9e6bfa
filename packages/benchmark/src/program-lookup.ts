import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { MlpsError } from '@mlps/timeseries';

/** How to tell the user to point mlps at a program it could not find. */
export interface ProgramHint {
  /** The option that names the program or its directory, e.g. `--dlio-bin-path`. */
  option?: string;
  /** An environment variable that names the program, e.g. `MPI_RUN_BIN`. */
  envVar?: string;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a program to an absolute path: a name with a slash is taken as a path, otherwise `searchDirs`
 * (e.g. `--dlio-bin-path`) are tried before `PATH`. Throws `MlpsError('PROGRAM_NOT_FOUND')` whose message
 * is one line naming the program and how to point at it.
 */
export function resolveProgram(
  program: string,
  options: { searchDirs?: string[]; hint?: ProgramHint; env?: NodeJS.ProcessEnv } = {},
): string {
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : resolve(program);
    if (isExecutableFile(path)) return path;
    throw programNotFound(program, options.hint);
  }
  const pathDirs = (options.env ?? process.env).PATH?.split(delimiter).filter((d) => d !== '') ?? [];
  for (const dir of [...(options.searchDirs ?? []), ...pathDirs]) {
    const candidate = join(dir, program);
    if (isExecutableFile(candidate)) return resolve(candidate);
  }
  throw programNotFound(program, options.hint, options.searchDirs);
}

function programNotFound(program: string, hint?: ProgramHint, searchDirs?: string[]): MlpsError {
  const where = searchDirs && searchDirs.length > 0 ? ` in ${searchDirs.join(', ')} or PATH` : ' in PATH';
  const ways: string[] = [];
  if (hint?.option) ways.push(hint.option);
  if (hint?.envVar) ways.push(`the ${hint.envVar} environment variable`);
  ways.push('PATH');
  const how = `install it or point at it with ${ways.join(' or ')}`;
  const found = program.includes('/') ? `${program} is not an executable file` : `${program} not found${where}`;
  return new MlpsError('PROGRAM_NOT_FOUND', `${found}; ${how}`);
}
