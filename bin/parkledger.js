#!/usr/bin/env node
// The `parkledger` command: runs the compiled command line (built by `npm install` through `prepare`).
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
