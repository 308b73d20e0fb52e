// Sub-parks and the parties that run them are data: `park add` records a park, its operator (a new
// party when it is new) and host, and the first version of its sharing agreement, and from then on
// every command, token, access rule and report treats it as it treats BZ and WZ (seed 000 第八条 and
// 第十二条 describe the same pattern elsewhere). Nothing is ever removed: parks and parties are named
// by entries in the journal.

import { formatBpAsPercent } from "../../ledger/ratio.js";
import { fieldRejection, Rejection } from "../../ledger/rejections.js";
import { textProblem, visibleText } from "../../ledger/text.js";
import type { Database } from "../db/database.js";
import { lockJournal } from "../repositories/journal.js";
import { ReferenceData, type Park } from "../repositories/reference.js";
import { dateField, percentField } from "./fields.js";

export interface ParkInput {
  park: string;
  /** The park's Chinese name (and English, when given). */
  name: string;
  name_en?: string;
  operator: string;
  /** The operator's name, when the operator is a party not yet recorded. */
  operator_name?: string;
  host: string;
  operator_share: string;
  from: string;
}

export interface ParkView {
  park: string;
  name_zh: string;
  name_en: string;
  operator: string;
  operator_name: string;
  host: string;
  host_name: string;
  operator_share_pct: string | null;
  agreement_from: string | null;
}

export interface AddParkResult extends ParkView {
  operator_created: boolean;
  replayed: boolean;
}

const PARK_CODE = /^[A-Z][A-Z0-9]{1,7}$/;
const PARTY_CODE = /^[a-z][a-z0-9_]{1,31}$/;

export async function addPark(db: Database, input: ParkInput): Promise<AddParkResult> {
  const code = input.park.trim().toUpperCase();
  if (!PARK_CODE.test(code))
    throw fieldRejection(
      "park",
      "park_code_invalid",
      `${visibleText(input.park)}: a park code is 2 to 8 capital letters or digits`,
    );
  const operator = input.operator.trim().toLowerCase();
  const name = checkedName("name", input.name);
  const name_en = input.name_en === undefined ? name : checkedName("name_en", input.name_en);
  const bp = percentField("operator_share", input.operator_share);
  const from = dateField("from", input.from);

  return db.knex.transaction(async (trx) => {
    // parks and parties decide where receipts are booked: changed only between bookings
    await lockJournal(trx);
    const ref = await ReferenceData.load(trx);
    const host = ref.resolveJurisdiction(input.host);
    const hosts = [...new Set(ref.parks.filter((p) => p.operator !== p.host).map((p) => p.host))];
    if (host === undefined || host.is_central || (hosts.length > 0 && !hosts.includes(host.code)))
      throw fieldRejection(
        "host",
        "host_invalid",
        `${visibleText(input.host)}: the host of a sub-park is ${hosts.join(" or ") || "a local party"}; a second host would need access rules of its own`,
      );
    const known = ref.resolveJurisdiction(operator) ?? ref.jurisdiction(operator);
    if (known === undefined && !PARTY_CODE.test(operator))
      throw fieldRejection(
        "operator",
        "party_code_invalid",
        `${visibleText(input.operator)}: ${"a new party's code is 2 to 32 small letters, digits or _"}`,
      );
    if (known !== undefined && (known.is_central || known.code === host.code))
      throw fieldRejection(
        "operator",
        "operator_invalid",
        `${known.code} cannot run a park hosted by ${host.code}: ${known.is_central ? "the central government takes no part in the split" : "a park its host runs is the host's own"}`,
      );
    const operatorCode = known?.code ?? operator;
    const existing = ref.park(code);
    if (existing !== undefined) {
      const first = ref.agreements(code)[0];
      const same =
        existing.operator === operatorCode &&
        existing.host === host.code &&
        existing.name_zh === name &&
        existing.name_en === name_en &&
        first?.operator_share_bp === bp &&
        first.effective_from === from;
      if (!same)
        throw new Rejection(
          "park_exists",
          `park ${code} is already recorded (${existing.name_zh}, run by ${existing.operator} for ${existing.host}); agreement set changes its share`,
        );
      return { ...viewOf(ref, existing), operator_created: false, replayed: true };
    }
    if (known === undefined) {
      const operator_name = checkedName("operator_name", input.operator_name ?? operatorCode);
      await trx("jurisdictions").insert({
        code: operatorCode,
        name_zh: operator_name,
        name_en: operator_name,
        is_central: false,
      });
    }
    await trx("parks").insert({ code, name_zh: name, name_en, operator: operatorCode, host: host.code });
    await trx("agreements").insert({
      park: code,
      effective_from: from,
      operator_share_bp: bp,
      note: `park add ${code}`,
    });
    const updated = await ReferenceData.load(trx);
    return { ...viewOf(updated, updated.park(code)!), operator_created: known === undefined, replayed: false };
  });
}

export async function listParks(db: Database): Promise<ParkView[]> {
  const ref = await ReferenceData.load(db.knex);
  return ref.parks.map((p) => viewOf(ref, p));
}

function viewOf(ref: ReferenceData, park: Park): ParkView {
  const today = new Date().toISOString().slice(0, 10);
  const agreement = ref.agreementOn(park.code, today) ?? ref.agreements(park.code)[0];
  return {
    park: park.code,
    name_zh: park.name_zh,
    name_en: park.name_en,
    operator: park.operator,
    operator_name: ref.jurisdiction(park.operator)?.name_zh ?? park.operator,
    host: park.host,
    host_name: ref.jurisdiction(park.host)?.name_zh ?? park.host,
    operator_share_pct:
      park.operator === park.host || agreement === undefined ? null : formatBpAsPercent(agreement.operator_share_bp),
    agreement_from: park.operator === park.host || agreement === undefined ? null : agreement.effective_from,
  };
}

function checkedName(field: string, value: string): string {
  const name = value.trim();
  if (name === "" || name.length > 100)
    throw fieldRejection(field, "field_required", `${field} is 1 to 100 characters`);
  const problem = textProblem(name, "text");
  if (problem !== null) throw fieldRejection(field, problem.code, `${visibleText(name)}: ${problem.reason}`);
  return name;
}
