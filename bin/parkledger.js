#!/usr/bin/env node
// The `parkledger` command: runs the command line as built by `npm install` (through `prepare`):
// compiled, bundled into one script (scripts/bundle-cli.js) and started from V8's code cache
// (src/cli/launch.ts), so that it starts quickly.
import { launch } from "../dist/src/cli/launch.js";

process.exitCode = await launch(process.argv.slice(2));
