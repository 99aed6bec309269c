// deploy/reclam.service: the hardening docs/deployment.md promises, and `systemd-analyze verify`
// (when the machine has it) finds nothing wrong.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const unitPath = join(root, 'deploy/reclam.service');
const unit = readFileSync(unitPath, 'utf8');
const settings = unit
  .split('\n')
  .filter((l) => /^[A-Za-z]+=/.test(l))
  .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const);
const value = (key: string) => settings.filter(([k]) => k === key).map(([, v]) => v);

describe('deploy/reclam.service', () => {
  it('runs reclam as its own user, restarts on failure, takes its secrets from an environment file', () => {
    expect(value('User')).toEqual(['reclam']);
    expect(value('Restart')).toEqual(['on-failure']);
    expect(value('EnvironmentFile')).toEqual(['/etc/reclam/reclam.env']);
    expect(existsSync(join(root, 'bin/reclam.js'))).toBe(true);
    // The node flags of the command's own first line (`#!/usr/bin/env -S node …`), no others.
    const shebang = /^#!\/usr\/bin\/env -S node((?: --[a-z0-9=-]+)*)\n/.exec(
      readFileSync(join(root, 'bin/reclam.js'), 'utf8'),
    );
    expect(shebang?.[1]).toContain('--liftoff-only');
    expect(value('ExecStart')).toEqual([`/usr/bin/node${shebang![1]} /opt/reclam/bin/reclam.js run`]);
    // No secret in the unit itself.
    expect(unit).not.toMatch(/PASSWORD=|SECRET=|postgres:\/\//);
  });

  it('has the usual hardening, and the data directory as the one writable place', () => {
    for (const [key, expected] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['StateDirectory', 'reclam'],
      ['ReadWritePaths', '/var/lib/reclam'],
      ['CapabilityBoundingSet', ''],
    ] as const)
      expect(value(key), key).toEqual([expected]);
    // The JIT of V8 needs W+X pages.
    expect(value('MemoryDenyWriteExecute')).toEqual(['no']);
  });

  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  it.skipIf(analyze.status !== 0)('passes systemd-analyze verify', () => {
    // verify reads the unit by its file name; stderr carries any warning.
    const result = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8' });
    expect(result.stderr.trim()).toBe('');
    expect(result.status).toBe(0);
    const security = execFileSync('systemd-analyze', ['security', '--offline=yes', unitPath], { encoding: 'utf8' });
    const exposure = Number(/Overall exposure level for reclam\.service: ([\d.]+)/.exec(security)?.[1]);
    expect(exposure).toBeLessThan(2.5);
  });
});
