// `parkledger serve`: the HTTP API on a port, until SIGINT or SIGTERM; the requests at work finish
// before the database is closed.

import { once } from "node:events";
import type { Command } from "commander";
import { loadConfig } from "../config.js";
import type { CliContext } from "./context.js";
import { demoDatabase, demoDir } from "./demo-books.js";
import { UsageError } from "./output.js";

/** Requests read side by side while the desk books. */
const SERVE_POOL_MAX = 24;

export function addServeCommand(program: Command, c: CliContext): void {
  program
    .command("serve")
    .description(
      "the web workspace at / and the HTTP API under /v1 (docs/contract.md#http-api); stops on SIGINT or SIGTERM",
    )
    .option("--port <n>", "port to listen on", "8080")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option(
      "--trust-proxy <proxies>",
      "behind a reverse proxy: the proxies whose X-Forwarded-For names the client, e.g. loopback",
    )
    .option(
      "--demo",
      "serve the demo's own books (the sample year `parkledger demo` filled) instead of the configured ones",
    )
    .action(async (o: { port: string; host: string; trustProxy?: string; demo?: boolean }) => {
      if (!/^\d{1,5}$/.test(o.port) || Number(o.port) > 65535) throw new UsageError(`--port: ${o.port} is not a port`);
      const config = loadConfig(c.env);
      // requests read side by side while the desk books
      const d =
        o.demo === true && !c.pinned
          ? await demoDatabase(c, config, demoDir(config), { pool_max: SERVE_POOL_MAX })
          : await c.database(SERVE_POOL_MAX);
      // the service's modules are loaded by the one command that serves: every other command starts without them
      const [{ default: pino }, { createApp, InFlight }, { httpServer }, { LOG_REDACT_PATHS }] = await Promise.all([
        import("pino"),
        import("../http/app.js"),
        import("../http/guard.js"),
        import("../http/logging.js"),
      ]);
      const logger = pino(
        {
          name: "parkledger",
          level: c.env.LOG_LEVEL ?? "info",
          redact: { paths: LOG_REDACT_PATHS, censor: "[redacted]" },
        },
        pino.destination(2),
      );
      const inflight = new InFlight();
      // slow clients are cut off (SERVER_TIMEOUTS in src/http/guard.ts)
      const server = httpServer(
        createApp(d, { logger, inflight, ...(o.trustProxy !== undefined ? { trust_proxy: o.trustProxy } : {}) }),
      ).listen(Number(o.port), o.host);
      await once(server, "listening");
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : o.port;
      logger.info(
        { url: `http://${o.host}:${port}/v1`, web: `http://${o.host}:${port}/`, database: d.location },
        "parkledger serving",
      );
      // another command finding the embedded database held is told at once where to go instead
      d.announce?.(`parkledger serve at http://${o.host}:${port}/v1`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          // no new connections; the requests at work finish before the database is closed
          server.close();
          server.closeIdleConnections();
          if (inflight.size > 0) logger.info({ requests: inflight.size }, "parkledger stopping: finishing requests");
          void inflight.idle().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      server.closeAllConnections();
      logger.info("parkledger stopped");
    });
}
