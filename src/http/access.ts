// Who may do what (docs/contract.md#http-api; docs/domain.md#confidentiality). Each finance
// department reads and writes its own: an operator (Bingtuan, Urumqi, or any party a park was added
// for) only the parks it runs and its own reconciliation, the host (the prefecture) every park's
// money. Who runs and who hosts which park is data (the parks table), read with the token. The
// zone's statistics bureau reads and writes every park's indicators, an operator's statistics bureau
// (a statistics token of the operator's party) its own parks' only; auditors read everything
// and write nothing. One function per kind of question, so the rules can be read in one place and
// the authorization matrix test can hold every route to them. What an allowed caller then sees is
// its view (reports/viewer.ts): an operator's own, or the full view. An operator is answered alike
// for what is another park's and for what does not exist (docs/domain.md#confidentiality).

import { FULL_VIEW, operatorView, type Viewer } from "../../reports/viewer.js";
import type { Principal } from "../repositories/tokens.js";

export type Decision = "allow" | "forbid" | "hide";

const allow = (yes: boolean): Decision => (yes ? "allow" : "forbid");

/** The host's finance department (the prefecture): it books the receipts of the parks it hosts. */
const isPrefecture = (p: Principal) => p.role === "finance" && p.hosts.length > 0;
const isAuditor = (p: Principal) => p.role === "auditor";
/** The zone's statistics bureau: every park's indicators. */
const isStatistics = (p: Principal) => p.role === "statistics" && p.party === "statistics";
/**
 * The operator a statistics token speaks for: an operator's own statistics bureau, which counts its
 * own parks' indicators (seed 004 §6) and sees nothing of another's, even should it run none (then
 * it sees nothing); null for anyone else.
 */
export const bureauOf = (p: Principal): string | null =>
  p.role === "statistics" && p.party !== "statistics" ? p.party : null;
/** The operator a finance token speaks for (a party that runs a park for a host); null for anyone else. */
export const operatorOf = (p: Principal): string | null =>
  p.role === "finance" && p.operates.length > 0 ? p.party : null;

/** What the caller sees of what it may read: its own parks for an operator, everything for the others. */
export const viewerOf = (p: Principal): Viewer => {
  const own = operatorOf(p) ?? bureauOf(p);
  return own === null ? FULL_VIEW : operatorView(own);
};

export const access = {
  /** Settlement, reconciliation and money traces between the prefecture and `operator`. */
  readOperatorMoney: (p: Principal, operator: string): Decision =>
    allow(isPrefecture(p) || isAuditor(p) || operatorOf(p) === operator),
  /** The three-party reconciliation summary, suspense, verify: the prefecture's and the auditors'. */
  readAllMoney: (p: Principal): Decision => allow(isPrefecture(p) || isAuditor(p)),
  /**
   * Land and mineral revenue and exemptions per park: the prefecture and the auditors of every park,
   * an operator of its own (its view shows nothing else).
   */
  readParkMoney: (p: Principal): Decision => allow(isPrefecture(p) || isAuditor(p) || operatorOf(p) !== null),
  /** A jurisdiction's books (trial balance, account traces). */
  readBooks: (p: Principal, jurisdiction: string): Decision =>
    allow(isPrefecture(p) || isAuditor(p) || operatorOf(p) === jurisdiction),
  /**
   * A single receipt (null: there is none): an operator may see its own park's, and a suspense receipt
   * linked to its park (`linked`, reports/suspense.ts); that another park's exists is not its business.
   */
  readReceipt: (p: Principal, receipt: { operator: string | null; linked: boolean } | null): Decision => {
    if (isPrefecture(p) || isAuditor(p)) return receipt === null ? "hide" : "allow";
    const own = operatorOf(p);
    if (own !== null) return receipt !== null && (own === receipt.operator || receipt.linked) ? "allow" : "hide";
    return "forbid";
  },
  /** Treasury receipts, enterprises, transfers, agreements, settlement: the prefecture's finance only. */
  writeMoney: (p: Principal): Decision => allow(isPrefecture(p)),
  /** Agreements in force: every finance department and the auditors (operators see their own park's). */
  readAgreements: (p: Principal): Decision => allow(p.role === "finance" || isAuditor(p)),
  /**
   * A decision on a probable counterpart of `operator`'s reconciliation: the prefecture's finance, or
   * the operator itself; auditors read the decisions (readOperatorMoney) and never decide.
   */
  decideReconciliation: (p: Principal, operator: string): Decision =>
    allow(isPrefecture(p) || operatorOf(p) === operator),
  /**
   * Confirming a settlement statement (结算单), disputing its lines, withdrawing a dispute: an operator's
   * own acts, never the prefecture's on its behalf (whose statement it is, src/services/statements.ts).
   */
  actOnOwnStatement: (p: Principal): Decision => allow(operatorOf(p) !== null),
  /** An operator's own statement: that operator, or the prefecture on its behalf. */
  writeStatement: (p: Principal, party: string): Decision => allow(isPrefecture(p) || operatorOf(p) === party),
  /**
   * A park's indicators, by the park's operator; null for a park that does not exist, which those who
   * read every park are told (by the report), and an operator is refused as it is another park's.
   */
  readIndicators: (p: Principal, operator: string | null): Decision =>
    allow(
      isStatistics(p) ||
        isAuditor(p) ||
        isPrefecture(p) ||
        (operator !== null && (operatorOf(p) === operator || bureauOf(p) === operator)),
    ),
  /** Every park's indicators side by side: whoever reads a park's, each seeing the parks its view holds. */
  readAllIndicators: (p: Principal): Decision =>
    allow(isStatistics(p) || isAuditor(p) || isPrefecture(p) || operatorOf(p) !== null || bureauOf(p) !== null),
  /**
   * Indicator reports: the zone's bureau of every park, an operator's bureau of its own (the import
   * refuses another park's row as it refuses a park that does not exist, src/import/indicators.ts).
   */
  writeIndicators: (p: Principal): Decision => allow(isStatistics(p) || bureauOf(p) !== null),
  /** Projects and quota commitments: the zone's bureau and the prefecture write; operators read their own. */
  writeProjects: (p: Principal): Decision => allow(isStatistics(p) || isPrefecture(p)),
  readCommitments: (p: Principal, jurisdiction: string | null): Decision => {
    const own = operatorOf(p) ?? bureauOf(p);
    return allow(isStatistics(p) || isAuditor(p) || isPrefecture(p) || (own !== null && own === jurisdiction));
  },
};
