#!/usr/bin/env node
// Entry point of the `reclam` command: runs the compiled CLI (npm ci builds it).
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
