// Reads the configuration file the global options name (--config, $RECLAM_CONFIG, ./reclam.yaml)
// and creates the logger it asks for.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger } from '../log.js';
import type { LoadedConfiguration } from '../app/command-context.js';

export async function loadConfiguration(
  configOption: string | undefined,
  logLevel: string | undefined,
): Promise<LoadedConfiguration> {
  const path = resolve(configOption ?? process.env.RECLAM_CONFIG ?? 'reclam.yaml');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConfigError(
      [`cannot read ${path} (give --config FILE or set RECLAM_CONFIG; examples/ has one per procedure)`],
      path,
    );
  }
  const { config, warnings } = loadConfig(text, process.env, path);
  const log = createLogger(logLevel ?? config.log.level);
  for (const warning of warnings) log.warn(`configuration: ${warning}`);
  return { config, log, warnings, path };
}
