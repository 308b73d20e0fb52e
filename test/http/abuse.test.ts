// What one client can cost the service: an address that keeps sending bad tokens is answered 429
// without a database query while others are served, a bad token is looked up once and then answered
// from memory, an upload has a bound on its lines as on its bytes, a slow client is cut off, a token
// in a URL is refused and never logged, and no answer under /v1 may be kept by a cache.

import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressKey, httpServer, redactUrl, SERVER_TIMEOUTS } from "../../src/http/guard.js";
import { hashToken } from "../../src/repositories/tokens.js";
import { cli } from "../support/cli.js";
import { testDatabase, dialectLabel, type TestDatabase } from "../support/db.js";
import { standardRegistry, uscc } from "../support/files.js";
import { testApp } from "./support.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  expect((await cli(db, "import", "enterprises", standardRegistry())).code).toBe(0);
});
afterAll(async () => db?.drop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const madeUp = () => `plk_${randomBytes(32).toString("base64url")}`;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const header = "receipt_no,uscc,tax_code,collected_on,amount\n";

/** Counts the statements that look a token up, from now until stop(). */
function tokenLookups(): { readonly n: number; stop(): void } {
  let n = 0;
  const seen = (q: { sql: string }) => {
    if (/from api_tokens/i.test(q.sql)) n += 1;
  };
  db.knex.on("query", seen);
  return {
    get n() {
      return n;
    },
    stop: () => void db.knex.off("query", seen),
  };
}

/** A GET sent from a given local address (127.0.0.0/8 is all loopback), so the server sees two clients. */
function getFrom(
  port: number,
  from: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers, localAddress: from, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
  });
}

async function listening(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe(`failed authentication is throttled per address (${dialectLabel})`, () => {
  it("answers 429 with Retry-After after N bad tokens, without asking the database, and lets the address try again when the window ends", async () => {
    const t = await testApp(db, { auth_failures_max: 3, auth_failure_window_ms: 1500 });
    // neither requests that authenticate nor requests without credentials count
    for (let i = 0; i < 5; i++) expect((await request(t.app).get("/v1/me").set(t.auth("auditor"))).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await request(t.app).get("/v1/me")).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await request(t.app).get("/v1/me").set(bearer(madeUp()))).status).toBe(401);

    const lookups = tokenLookups();
    const refused = await request(t.app).get("/v1/me").set(bearer(madeUp()));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(2);
    expect(Object.keys(refused.body)).toEqual(["error"]);
    expect(refused.body.error.code).toBe("too_many_requests");
    expect(refused.body.error.message).toMatch(/try again in \d+ s/);
    // a token never seen valid cannot be told from a guess without a lookup: refused until the window
    // ends; one found valid before is still served, so a flood of guesses locks out no real user
    const fresh = await cli(db, "token", "create", "--party", "statistics", "--role", "statistics", "--format", "json");
    expect((await request(t.app).get("/v1/me").set(bearer(fresh.json().token))).status).toBe(429);
    expect(lookups.n).toBe(0);
    expect((await request(t.app).get("/v1/me").set(t.auth("auditor"))).status).toBe(200);
    lookups.stop();

    await sleep(1600);
    expect((await request(t.app).get("/v1/me").set(bearer(madeUp()))).status).toBe(401);
    expect((await request(t.app).get("/v1/me").set(t.auth("auditor"))).status).toBe(200);
  });

  it("holds guesses sent all at once to the limit: the attempts count from when their lookups start", async () => {
    const t = await testApp(db, { auth_failures_max: 3, auth_failure_window_ms: 60_000, unknown_token_cache_ms: 0 });
    const lookups = tokenLookups();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => request(t.app).get("/v1/me").set(bearer(madeUp()))),
    );
    lookups.stop();
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(37);
    expect(lookups.n).toBeLessThanOrEqual(3);
  });

  it("still serves a client at another address while one address is refused", async () => {
    const t = await testApp(db, { auth_failures_max: 3 });
    const server = httpServer(t.app);
    const port = await listening(server);
    try {
      for (let i = 0; i < 3; i++)
        expect((await getFrom(port, "127.0.0.1", "/v1/me", bearer(madeUp()))).status).toBe(401);
      const refused = await getFrom(port, "127.0.0.1", "/v1/me", t.auth("auditor"));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(50);
      const other = await getFrom(port, "127.0.0.2", "/v1/me", t.auth("auditor"));
      expect(other.status).toBe(200);
      expect(JSON.parse(other.body)).toMatchObject({ party: "auditor" });
      expect((await getFrom(port, "127.0.0.2", "/v1/me", bearer(madeUp()))).status).toBe(401);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4", () => {
    expect(addressKey("2001:db8:0:12:aaaa::1")).toBe(addressKey("2001:0db8:0000:0012:ffff:1:2:3"));
    expect(addressKey("2001:db8:0:12::1")).not.toBe(addressKey("2001:db8:0:13::1"));
    expect(addressKey("::ffff:10.0.0.7")).toBe("10.0.0.7");
    expect(addressKey("10.0.0.7")).toBe("10.0.0.7");
  });
});

describe(`unknown tokens are remembered for a while (${dialectLabel})`, () => {
  it("looks a bad token up once, however often and however many at once it is sent, until the negative cache expires", async () => {
    const t = await testApp(db, { auth_failures_max: 1000, unknown_token_cache_ms: 2000 });
    const token = madeUp();
    const lookups = tokenLookups();
    try {
      const flood = await Promise.all(
        Array.from({ length: 20 }, () => request(t.app).get("/v1/me").set(bearer(token))),
      );
      expect(flood.map((r) => r.status)).toEqual(Array(20).fill(401));
      for (let i = 0; i < 10; i++) expect((await request(t.app).get("/v1/me").set(bearer(token))).status).toBe(401);
      expect(lookups.n).toBe(1);

      // the same token made valid behind the server's back stays refused, from memory, until it expires
      await db.knex("api_tokens").insert({
        party: "auditor",
        role: "auditor",
        label: "late",
        token_sha256: hashToken(token),
        hint: token.slice(0, 10),
      });
      expect((await request(t.app).get("/v1/me").set(bearer(token))).status).toBe(401);
      expect(lookups.n).toBe(1);
      await sleep(2100);
      expect((await request(t.app).get("/v1/me").set(bearer(token))).status).toBe(200);
      expect(lookups.n).toBe(2);
    } finally {
      lookups.stop();
    }

    // with token_cache_ms 0 nothing is remembered: every request asks, and a new token works at once
    const t0 = await testApp(db, { token_cache_ms: 0, auth_failures_max: 1000 });
    const fresh = madeUp();
    const every = tokenLookups();
    try {
      for (let i = 0; i < 3; i++) expect((await request(t0.app).get("/v1/me").set(bearer(fresh))).status).toBe(401);
      expect(every.n).toBe(3);
      await db.knex("api_tokens").insert({
        party: "auditor",
        role: "auditor",
        label: "at once",
        token_sha256: hashToken(fresh),
        hint: fresh.slice(0, 10),
      });
      expect((await request(t0.app).get("/v1/me").set(bearer(fresh))).status).toBe(200);
    } finally {
      every.stop();
    }
  });
});

describe(`one request's work is bounded (${dialectLabel})`, () => {
  const rows = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}-${i},${uscc(2)},CIT,2025-05-01,1.00\n`).join("");

  it("refuses an upload with more lines than upload_lines_max with 413 naming the limit, and imports nothing", async () => {
    const t = await testApp(db, { upload_lines_max: 5 });
    const upload = (name: string, csv: string) =>
      request(t.app)
        .post(`/v1/imports/receipts?name=${name}&scope=gross`)
        .set(t.auth("prefecture"))
        .set("Content-Type", "text/csv")
        .send(csv);
    const fits = await upload("fits.csv", header + rows("LN-A", 4));
    expect(fits.status, JSON.stringify(fits.body)).toBe(201);
    expect((await upload("fits-no-newline.csv", header + rows("LN-B", 4).trimEnd())).status).toBe(201);

    const over = await upload("over.csv", header + rows("LN-C", 5));
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe("payload_too_large");
    expect(over.body.error.message).toContain("more than 5 lines");
    // a large file is refused part way, and the client, still sending, reads the answer
    const large = await upload("large.csv", header + rows("LN-D", 200_000));
    expect(large.status).toBe(413);
    expect(large.body.error.code).toBe("payload_too_large");
    const { rows: booked } = await db.knex.raw(
      `select count(*) as n from receipts where receipt_no like 'LN-C-%' or receipt_no like 'LN-D-%'`,
    );
    expect(Number(booked[0].n)).toBe(0);
  });

  it("refuses an upload that declares more than upload_limit_bytes at once, before reading its body", async () => {
    const t = await testApp(db, { upload_limit_bytes: 10_000 });
    const server = httpServer(t.app);
    const port = await listening(server);
    try {
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.setEncoding("utf8");
      let answer = "";
      socket.on("data", (c: string) => (answer += c));
      socket.write(
        "POST /v1/imports/receipts?name=huge.csv HTTP/1.1\r\nHost: localhost\r\n" +
          `Authorization: Bearer ${t.tokens.prefecture}\r\nContent-Type: text/csv\r\nContent-Length: 1000000000\r\n\r\n` +
          header,
      );
      for (let i = 0; i < 100 && !answer.includes("}"); i++) await sleep(20);
      socket.destroy();
      expect(answer).toMatch(/^HTTP\/1\.1 413/);
      expect(answer).toContain('"payload_too_large"');
      expect(answer).toContain("larger than 10000 bytes");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("slow clients are cut off", () => {
  /** Everything the server sent on a socket until it closed it, and how long that took. */
  function untilClosed(socket: net.Socket): Promise<{ data: string; ms: number }> {
    const started = performance.now();
    let data = "";
    socket.on("error", () => undefined); // a reset closes it as well
    socket.setEncoding("utf8");
    socket.on("data", (c: string) => (data += c));
    return new Promise((resolve) => socket.once("close", () => resolve({ data, ms: performance.now() - started })));
  }

  it("closes a connection whose headers, or whose body, come too slowly, and one kept alive idle", async () => {
    const t = await testApp(db);
    const server = httpServer(t.app, { headers_ms: 300, request_ms: 900, keep_alive_ms: 200, check_interval_ms: 50 });
    const port = await listening(server);
    try {
      const headers = net.connect(port, "127.0.0.1");
      headers.write("GET /v1/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
      const h = await untilClosed(headers);
      expect(h.data).toMatch(/^HTTP\/1\.1 408/);
      expect(h.ms).toBeLessThan(1500);

      const body = net.connect(port, "127.0.0.1");
      body.write(
        "POST /v1/imports/receipts?name=slow.csv HTTP/1.1\r\nHost: localhost\r\n" +
          `Authorization: Bearer ${t.tokens.prefecture}\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n` +
          header,
      );
      const b = await untilClosed(body);
      expect(b.data).toMatch(/^HTTP\/1\.1 408/);
      expect(b.ms).toBeLessThan(3000);

      const idle = net.connect(port, "127.0.0.1");
      idle.write("GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n");
      const i = await untilClosed(idle);
      expect(i.data).toMatch(/^HTTP\/1\.1 200/);
      expect(i.ms).toBeLessThan(1500);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("serve's server applies SERVER_TIMEOUTS", () => {
    const server = httpServer(() => undefined);
    expect(SERVER_TIMEOUTS).toEqual({
      headers_ms: 10_000,
      request_ms: 600_000,
      keep_alive_ms: 5_000,
      check_interval_ms: 1_000,
    });
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([10_000, 600_000, 5_000]);
  });
});

describe(`credentials in a URL are refused and never logged (${dialectLabel})`, () => {
  it("answers 400 to a token in the query string, however the parameter is spelt, and logs the URL without it", async () => {
    const t = await testApp(db);
    const token = t.tokens.auditor;
    for (const query of [
      `access_token=${token}`,
      `ACCESS_TOKEN=${token}`,
      `access%5Ftoken=${token}`,
      `token=${token}`,
      `Token=${token}`,
      `api_key=${token}`,
      `apikey=${token}`,
      `year=2025&q=${token}`,
    ]) {
      const res = await request(t.app).get(`/v1/me?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.message).toMatch(/Authorization header/);
      expect(res.body.error.message).not.toContain(token);
    }
    // also beside a valid Authorization header: the token in the URL has leaked already
    const both = await request(t.app).get(`/v1/me?access_token=${token}`).set(t.auth("auditor"));
    expect(both.status).toBe(400);

    const logged = t.logs.join("");
    expect(logged).toContain("access_token=[redacted]");
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(token.slice(4, 24));
    expect(logged).not.toMatch(/access_token=plk/i);
    expect(logged).not.toMatch(/authorization/i);
  });

  it("redacts credential parameters and anything shaped like a token from a logged URL", () => {
    const token = madeUp();
    expect(redactUrl(`/v1/me?year=2025&access_token=${token}&x=1`)).toBe(
      "/v1/me?year=2025&access_token=[redacted]&x=1",
    );
    expect(redactUrl(`/v1/me?Api_Key=abc`)).toBe("/v1/me?Api_Key=[redacted]");
    expect(redactUrl(`/v1/receipts/${token}?q=${encodeURIComponent(token)}`)).toBe(
      "/v1/receipts/plk_[redacted]?q=plk_[redacted]",
    );
    expect(redactUrl("/v1/reports/settlement?year=2025&operator=bingtuan")).toBe(
      "/v1/reports/settlement?year=2025&operator=bingtuan",
    );
  });
});

describe(`no /v1 answer may be cached (${dialectLabel})`, () => {
  it("sends Cache-Control: no-store with a report and with errors", async () => {
    const t = await testApp(db);
    const report = await request(t.app)
      .get("/v1/reports/trial-balance?year=2025&jurisdiction=prefecture")
      .set(t.auth("prefecture"));
    expect(report.status).toBe(200);
    expect(report.headers["cache-control"]).toBe("no-store");
    const csv = await request(t.app)
      .get("/v1/reports/trial-balance?year=2025&jurisdiction=prefecture&format=csv")
      .set(t.auth("prefecture"));
    expect(csv.headers["cache-control"]).toBe("no-store");
    for (const res of [
      await request(t.app).get("/v1/reports/trial-balance?year=2025&jurisdiction=prefecture"),
      await request(t.app).get("/v1/reports/trial-balance?year=2025&jurisdiction=prefecture").set(t.auth("bingtuan")),
      await request(t.app).get("/v1/reports/trial-balance?year=nope").set(t.auth("prefecture")),
      await request(t.app).get("/v1/no-such-thing").set(t.auth("prefecture")),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers["cache-control"]).toBe("no-store");
    }
  });
});
