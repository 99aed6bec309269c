// What every CLI command receives from the root: how to load the configuration named by the
// global options, and how to set the process exit code. Kept free of heavy imports: `reclam --help`
// loads only this, commander and the command table.
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';

export interface LoadedConfiguration {
  readonly config: Config;
  readonly log: Logger;
  readonly warnings: readonly string[];
  /** The configuration file read. */
  readonly path: string;
}

export interface CommandContext {
  /** Loads the configuration and the logger from the global options (`defaultLevel` when --log-level is absent). */
  readonly load: (defaultLevel?: string) => Promise<LoadedConfiguration>;
  /** Sets the process exit code. */
  readonly exit: (code: number) => void;
  /** The global --log-level, if given. */
  readonly logLevel: () => string | undefined;
}

/** Registers one command (with its options and action) on the program. */
export type RegisterCommand = (program: import('commander').Command, context: CommandContext) => void;

/**
 * A command as `reclam --help` lists it, and the module that registers it in full: only the
 * command being run is loaded, so `reclam tickets` does not load the digest's spreadsheet library
 * nor `reclam --help` anything at all.
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<RegisterCommand>;
}
