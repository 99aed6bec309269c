// `reclam` as an administrator runs it, as child processes of the e2e and CLI suites: a command run
// to its end (its exit code and output, never a throw), and `reclam run` with its stderr (pino
// JSON lines) collected. They run src/ as the run compiled it once (tests/support/cli-build.ts),
// with the node flags of bin/reclam.js.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { LAUNCH_FLAGS } from './launch-flags.js';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The node arguments that run the `reclam` command: bin/reclam.js's flags, the run's build of src/bin.ts. */
export function reclamNodeArgs(): string[] {
  return [...LAUNCH_FLAGS, join(inject('cliBuild'), 'bin.js')];
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `reclam ARGS…` from the repository root, killed after `timeoutMs`; a failure is a non-zero `code`. */
export async function reclam(args: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...reclamNodeArgs(), ...args], {
      cwd: ROOT,
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface LogLine {
  readonly msg: string;
  readonly code?: string;
  readonly loop?: string;
  readonly retryInMs?: number;
}

export interface ReclamRun {
  readonly child: ChildProcess;
  /** Its stderr so far. */
  stderr(): string;
  /** Its stderr so far, as JSON log lines. */
  lines(): LogLine[];
}

/** `reclam run --config CONFIG --log-level info` as a child process; stdout is not read. */
export function spawnReclamRun(config: string): ReclamRun {
  const child = spawn(process.execPath, [...reclamNodeArgs(), 'run', '--config', config, '--log-level', 'info'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    child,
    stderr: () => stderr,
    lines: () =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine),
  };
}
