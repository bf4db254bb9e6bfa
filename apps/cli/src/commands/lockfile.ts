import { Option, type Command } from 'commander';
import { EXIT, type CliContext } from '../context';
import { addStandardOptions } from '../options';
import { collectStrings } from '../option-parsers';

/**
 * `mlpstorage lockfile generate|verify`: every flag of `mlpstorage`'s accepted, and the answer is one
 * line saying what it would check and why that does not apply to mlps (exit 2), never a stack trace or a
 * silent success.
 */
export function registerLockfileCommands(program: Command, ctx: CliContext): void {
  const lockfile = program.command('lockfile').description("mlpstorage's Python package lockfiles (not applicable to mlps: says why, exit 2)");
  const generate = lockfile
    .command('generate')
    .description('generate a requirements.txt lockfile of pinned Python packages (mlpstorage); not applicable here')
    .addOption(new Option('-o, --output <file>', 'output path for the lockfile').default('requirements.txt'))
    .addOption(new Option('--extra <group>', 'include an optional dependency group (repeatable)').argParser(collectStrings))
    .addOption(new Option('--hashes', 'include SHA256 hashes'))
    .addOption(new Option('--python-version <version>', 'target Python version'))
    .addOption(new Option('--pyproject <file>', 'path of pyproject.toml').default('pyproject.toml'))
    .addOption(new Option('--all', 'generate both requirements.txt and requirements-full.txt'));
  addStandardOptions(generate, 'none');
  generate.action((p: { output: string; pyproject: string }) => {
    ctx.stderr.write(
      `mlpstorage: lockfile generate would pin the Python packages of ${p.pyproject} into ${p.output} (uv pip compile); ` +
        'that does not apply here: mlps is a Node.js program with no Python packages, and its dependencies are already pinned by pnpm-lock.yaml\n',
    );
    ctx.exitCode = EXIT.BAD_ARGUMENTS;
  });
  const verify = lockfile
    .command('verify')
    .description('check that installed Python packages match a lockfile (mlpstorage); not applicable here')
    .addOption(new Option('-l, --lockfile <file>', 'path of the lockfile').default('requirements.txt'))
    .addOption(new Option('--skip <package>', 'package to skip (repeatable)').argParser(collectStrings))
    .addOption(new Option('--allow-missing', "don't fail on missing packages"))
    .addOption(new Option('--strict', 'fail on any difference'));
  addStandardOptions(verify, 'none');
  verify.action((p: { lockfile: string }) => {
    ctx.stderr.write(
      `mlpstorage: lockfile verify would check that the installed Python packages match the versions pinned in ${p.lockfile}; ` +
        'that does not apply here: mlps is a Node.js program with no Python packages (its dependencies are pinned by pnpm-lock.yaml and installed with pnpm install --frozen-lockfile)\n',
    );
    ctx.exitCode = EXIT.BAD_ARGUMENTS;
  });
}
