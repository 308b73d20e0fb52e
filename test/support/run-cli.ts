// The command line from the sources, for tests that run it as a separate process (node --import tsx).
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
