#!/usr/bin/env node
// The `reclam` command: runs the compiled CLI (`npm ci` builds it through the prepare script).
import '../dist/bin.js';
