#!/usr/bin/env node
// The `parkledger` command: runs the command line as built by `npm install` (through `prepare`):
// compiled, then bundled into dist/cli/ so that it starts quickly (scripts/bundle-cli.js).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
