// Once per run, before any test file. On PostgreSQL: a database with every migration applied, which
// each test file's database is copied from (CREATE DATABASE … TEMPLATE, a fraction of a second)
// instead of migrating a fresh one (several seconds); dropped when the run ends. The embedded
// database has its own copy of a migrated database (testDatabase in db.ts).

import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";
import { adminQuery, withDatabase } from "./db.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated PostgreSQL database test databases are copied from; "" on the embedded database. */
    postgresTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const url = process.env.DATABASE_URL;
  project.provide("postgresTemplate", "");
  if (!url) return undefined;
  const name = `parkledger_template_${process.pid}_${randomBytes(4).toString("hex")}`;
  await adminQuery(url, `create database ${name}`);
  const teardown = () => adminQuery(url, `drop database if exists ${name} with (force)`);
  try {
    const db = await openDatabase({ url: withDatabase(url, name) });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide("postgresTemplate", name);
  return teardown;
}
