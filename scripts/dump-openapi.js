#!/usr/bin/env node
// Writes the OpenAPI document of the compiled server (dist/, `npm run build`) to a file, for
// openapi-typescript to make the web workspace's typed client from (`npm run build:web`): the page
// and the API are typed from the same route declarations, so they cannot drift.
import fs from "node:fs";
import path from "node:path";

const out = process.argv[2] ?? "web/openapi.json";
const { ROUTES } = await import("../dist/src/http/app.js");
const { openApiDocument } = await import("../dist/src/http/openapi.js");
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(openApiDocument(ROUTES), null, 2) + "\n");
process.stderr.write(`openapi: ${out}\n`);
