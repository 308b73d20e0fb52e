// Profiles one receipts import of the compiled build on a fresh PostgreSQL database:
//   npm run build && node --cpu-prof node_modules/.bin/tsx bench/tools/profile-import.ts [FILE]
// (the files come from `npm run bench`, which writes them to bench/out/).
import pg from "pg";
import { openDatabase } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";
import { importEnterprises } from "../../src/import/enterprises.js";
import { importReceipts } from "../../src/import/receipts.js";
const admin = new pg.Client({ connectionString: "postgres://root@127.0.0.1:5432/postgres" });
await admin.connect();
await admin.query("drop database if exists pl_prof with (force)");
await admin.query("create database pl_prof");
const db = await openDatabase({ url: "postgres://root@127.0.0.1:5432/pl_prof" });
await migrate(db);
await importEnterprises(db, "bench/out/enterprises-y2025-s20250101-e5000.csv");
const t = performance.now();
const r = await importReceipts(db, process.argv[2] ?? "bench/out/receipts-y2025-s20250101-e5000-r200000.csv");
const ms = performance.now() - t;
console.log(r.new_rows, Math.round(ms), "ms", Math.round((r.new_rows / ms) * 1000), "/s", process.cpuUsage());
await db.close();
await admin.query("drop database pl_prof with (force)");
await admin.end();
