// What a new version of a park's agreement means for the land revenue already booked in the park. The
// journal does not change, and land revenue is not re-split by adjusting entries: a version that would
// give land revenue booked on or after its date another split (it names or stops naming a land item,
// or changes the share of one it names) is refused, as one reaching back over receipts is.

import type { Knex } from "knex";
import { splitReceipt } from "../../ledger/allocate.js";
import { Rejection } from "../../ledger/rejections.js";
import { landRevenueOfParkFrom } from "../repositories/land.js";
import type { Park, ReferenceData } from "../repositories/reference.js";

export async function refuseLandResplit(
  trx: Knex.Transaction,
  ref: ReferenceData,
  park: Park,
  version: { from: string; operator_share_bp: number; shared_non_tax: readonly string[] },
): Promise<void> {
  // the new version governs until the next one already recorded after its date
  const until = ref.agreements(park.code).find((a) => a.effective_from > version.from)?.effective_from ?? null;
  const changed = (await landRevenueOfParkFrom(trx, park.code, version.from)).filter((r) => {
    if (until !== null && r.collected_on >= until) return false;
    const operator_share_bp = version.shared_non_tax.includes(r.item) ? version.operator_share_bp : null;
    const split = splitReceipt(r.amount_fen, {
      scope: "gross",
      central_share_bp: r.central_share_bp,
      operator_share_bp,
      rounding: "half_up",
    });
    return split.operator_fen !== r.operator_fen;
  });
  if (changed.length === 0) return;
  const [first, last] = [changed[0]!, changed.at(-1)!];
  const named =
    changed
      .slice(0, 3)
      .map((r) => r.ref)
      .join(", ") + (changed.length > 3 ? ", …" : "");
  throw new Rejection(
    "agreement_conflicts_with_posted_receipts",
    `${changed.length} land revenue records of ${park.code} from ${first.collected_on} to ${last.collected_on} (${named}) are booked with the split in force then; an agreement from ${version.from} would change it. Choose a date after ${last.collected_on}.`,
  );
}
