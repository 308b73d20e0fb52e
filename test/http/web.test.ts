// The web workspace beside the API (docs/web.md): / and every page's path answer index.html (never
// cached), hashed assets are cached for a year, /v1 keeps its JSON 404s, and without a build / says
// how to make one.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectLabel, testDatabase, type TestDatabase } from "../support/db.js";
import { testApp, type TestApp } from "./support.js";

describe(`web workspace served at / (${dialectLabel})`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let bare: TestApp;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plk-web-"));

  beforeAll(async () => {
    fs.mkdirSync(path.join(dir, "assets"));
    fs.writeFileSync(
      path.join(dir, "index.html"),
      '<!doctype html><html lang="zh-CN"><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>',
    );
    fs.writeFileSync(path.join(dir, "assets", "index-abc123.js"), "console.log('plk');\n");
    db = await testDatabase();
    t = await testApp(db, { web_dir: dir });
    bare = await testApp(db, { web_dir: path.join(dir, "missing") });
  });
  afterAll(async () => {
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers / with the page, not cached, under the API's Content-Security-Policy", async () => {
    const res = await request(t.app).get("/").set("Accept", "text/html");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.text).toContain('<div id="root">');
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' https: 'unsafe-inline'"); // Ant Design injects its styles
    expect(csp).not.toContain("upgrade-insecure-requests");
  });

  it("answers every page's path with the page (the page routes itself)", async () => {
    for (const p of ["/settlement", "/reconciliation", "/trace", "/settlement/print"]) {
      const res = await request(t.app).get(`${p}?year=2025`).set("Accept", "text/html,*/*");
      expect(res.status, p).toBe(200);
      expect(res.text, p).toContain('<div id="root">');
    }
  });

  it("caches hashed assets for a year and answers a missing one 404", async () => {
    const res = await request(t.app).get("/assets/index-abc123.js");
    expect(res.status).toBe(200);
    expect(res.headers["cache-control"]).toMatch(/max-age=31536000/);
    expect(res.headers["cache-control"]).toMatch(/immutable/);
    expect((await request(t.app).get("/assets/index-gone.js")).status).toBe(404);
  });

  it("keeps /v1 JSON: an unknown API path is a JSON 404, never the page", async () => {
    const res = await request(t.app).get("/v1/no-such-thing").set("Accept", "text/html").set(t.auth("prefecture"));
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(res.body.error.code).toBe("not_found");
    const unauthenticated = await request(t.app).get("/v1/reports/settlement").set("Accept", "text/html");
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers["content-type"]).toMatch(/application\/json/);
  });

  it("says how to build the page when it is not built", async () => {
    const res = await request(bare.app).get("/");
    expect(res.status).toBe(503);
    expect(res.text).toContain("npm run build:web");
    expect((await request(bare.app).get("/v1/health")).body).toEqual({ status: "ok" });
  });

  it("/v1/me names the caller's parks: an operator only its own", async () => {
    const mine = await request(t.app).get("/v1/me").set(t.auth("bingtuan"));
    expect(mine.status).toBe(200);
    expect(mine.body.parks.every((p: { operator: string }) => p.operator === "bingtuan")).toBe(true);
    const all = await request(t.app).get("/v1/me").set(t.auth("statistics"));
    expect(all.body.parks.length).toBeGreaterThanOrEqual(mine.body.parks.length);
  });
});
