import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

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
});
