import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { itWithTools } from '../../../scripts/test-tools.cjs';

const TESTHOSTS = resolve(__dirname, '..', '..', '..', 'scripts', 'testhosts.sh');

describe('scripts/testhosts.sh usage', () => {
  it.each(['--help', '-h', 'help'])('%s prints the usage on stdout and exits 0 (no root needed)', (flag) => {
    const r = spawnSync('bash', [TESTHOSTS, flag], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('scripts/testhosts.sh up N [--dir DIR]');
    expect(r.stdout).toContain('Needs root and the Debian packages openssh-server openssh-client iproute2 procps.');
    expect(r.stdout).not.toMatch(/^#|set -euo/m);
  });

  it('an unknown command still fails, naming the commands', () => {
    const r = spawnSync('bash', [TESTHOSTS, 'bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown command 'bogus'/);
  });

  itWithTools(['root'], 'only up makes the directory: an unknown command or a down of nothing leaves no directory behind', () => {
    const parent = mkdtempSync(join(tmpdir(), 'mlps-testhosts-dir-'));
    try {
      const dir = join(parent, 'hosts');
      const bogus = spawnSync('bash', [TESTHOSTS, 'bogus', '--dir', dir], { encoding: 'utf8' });
      expect(bogus.status).toBe(1);
      const down = spawnSync('bash', [TESTHOSTS, 'down', '--dir', dir], { encoding: 'utf8' });
      expect(down.status).toBe(0);
      expect(down.stderr).toContain(`no test hosts in ${dir}`);
      const status = spawnSync('bash', [TESTHOSTS, 'status', '--dir', dir], { encoding: 'utf8' });
      expect(status.status).toBe(1);
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
