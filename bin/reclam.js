#!/usr/bin/env -S node --liftoff-only
// The `reclam` command: runs the compiled CLI (`npm ci` builds it through the prepare script).
// The node flag above is a memory setting (bench/README.md, Memory): PGlite's WASM compiled by
// Liftoff only (TurboFan's optimised copy of its hot functions cost ~50 MB resident and most of the
// open's time). It applies when the file is run as a program (`reclam …`, `./bin/reclam.js …`);
// `node bin/reclam.js` must repeat it, as deploy/reclam.service does (a test checks that the two
// agree).
import '../dist/bin.js';
