// Who provides a project's quotas, and in which years a project counts.

import { describe, expect, it } from "vitest";
import { operatesIn, quotaBearer } from "../../ledger/quotas.js";

const PARTIES = ["prefecture", "bingtuan", "urumqi"];
const BZ = { host: "prefecture" };

describe("quotaBearer", () => {
  it("charges a relocated project to where it came from (迁出地自带指标)", () => {
    expect(quotaBearer("relocated", "bingtuan", BZ, PARTIES)).toEqual({ ok: true, jurisdiction: "bingtuan" });
    expect(quotaBearer("relocated", "urumqi", BZ, PARTIES)).toEqual({ ok: true, jurisdiction: "urumqi" });
  });

  it("charges a new project to the party that attracted it (引进方), whichever park it lands in", () => {
    expect(quotaBearer("new", "urumqi", BZ, PARTIES)).toEqual({ ok: true, jurisdiction: "urumqi" });
    expect(quotaBearer("new", "prefecture", BZ, PARTIES)).toEqual({ ok: true, jurisdiction: "prefecture" });
  });

  it("charges a local project to the park's host", () => {
    expect(quotaBearer("local", null, BZ, PARTIES)).toEqual({ ok: true, jurisdiction: "prefecture" });
    expect(quotaBearer("local", "prefecture", BZ, PARTIES)).toEqual({ ok: true, jurisdiction: "prefecture" });
  });

  it("refuses a relocated or new project that names no party, or an unknown one", () => {
    expect(quotaBearer("relocated", null, BZ, PARTIES)).toMatchObject({ ok: false, code: "introduced_by_required" });
    expect(quotaBearer("new", null, BZ, PARTIES)).toMatchObject({ ok: false, code: "introduced_by_required" });
    expect(quotaBearer("new", "central", BZ, PARTIES)).toMatchObject({ ok: false, code: "jurisdiction_unknown" });
    expect(quotaBearer("local", "urumqi", BZ, PARTIES)).toMatchObject({ ok: false, code: "jurisdiction_unknown" });
  });
});

describe("operatesIn", () => {
  it.each([
    ["2025-06-01", null, 2025, true],
    ["2025-06-01", null, 2024, false],
    ["2025-06-01", null, 2030, true],
    ["2020-01-01", "2025-01-01", 2025, true],
    ["2020-01-01", "2024-12-31", 2025, false],
    ["2025-12-31", "2025-12-31", 2025, true],
  ] as const)("a project from %s to %s operates in %i: %s", (start, end, year, expected) => {
    expect(operatesIn(start, end, year)).toBe(expected);
  });
});
