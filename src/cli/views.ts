// Terminal views of command results that are not reports in their own right (import summaries,
// transfers, settlements, agreement lists, verification).

import { formatYuanGrouped, parseYuan } from "../../ledger/money.js";
import { moneyColumn, type Tabular } from "../../reports/render.js";
import { localTime } from "../../reports/render/time.js";
import type { DecisionView } from "../services/reconciliation-decisions.js";
import type { ReferenceData } from "../repositories/reference.js";
import type { AgreementView, RatioExceptionView, RatioView } from "../services/agreements.js";
import type { SettleResult } from "../services/settle.js";
import type { TransferResult } from "../services/transfers.js";
import type { ProposalView } from "../services/proposals.js";
import type { ParkView } from "../services/parks.js";
import type { ResplitSummary } from "../services/resplit.js";
import type { TokenRow } from "../repositories/tokens.js";
import type { UserView } from "../repositories/users.js";
import type { VerifyResult } from "../services/verify.js";

const ITEM_COLUMNS = [
  { key: "item", label_zh: "项目", label_en: "Item" },
  { key: "value", label_zh: "值", label_en: "Value", align: "right" as const },
];

/** Amounts and counts with their thousands grouped, as every report shows them; years and ids as they are. */
function grouped(item: string, value: string | number | null): string | null {
  if (value === null) return null;
  if (/(^|_)(year|id|port)$/.test(item)) return String(value);
  if (typeof value === "number" && Number.isSafeInteger(value)) return value.toLocaleString("en-US");
  if (typeof value === "string" && /^-?\d+\.\d{2}$/.test(value)) return formatYuanGrouped(parseYuan(value)!);
  return String(value);
}

function items(title: string, pairs: [string, string | number | null][], subtitle?: string): Tabular {
  const [zh, ...en] = title.split(" ");
  return {
    title_zh: zh ?? title,
    title_en: en.join(" "),
    ...(subtitle !== undefined ? { subtitle } : {}),
    sections: [
      {
        columns: ITEM_COLUMNS,
        rows: pairs.map(([item, value]) => ({ item, value: grouped(item, value) })),
      },
    ],
  };
}

/** What each figure of an import's summary is, in Chinese beside the key scripts read in its JSON. */
const SUMMARY_ZH: Record<string, string> = {
  sha256: "文件摘要",
  encoding: "编码",
  import_id: "导入编号",
  already_imported: "此前已导入",
  rows: "行数",
  new_rows: "新增行",
  unchanged_rows: "未变行",
  receipts: "入库笔数",
  refunds: "退库及调库笔数",
  suspense: "挂账待查笔数",
  prior_year_adjustments: "以前年度调整笔数",
  central_differs: "中央级与比例不符笔数",
  enterprises: "企业数",
  new_stays: "新增入园记录",
  changed_stays: "变更入园记录",
  unchanged_stays: "未变入园记录",
  suspense_now_resolvable: "待查收入现可认定",
  suspense_rebooked: "待查收入已转入园区",
  suspense_prior_year_adjustments: "其中以前年度调整",
  new_reports: "新增报告",
  revisions: "修订",
  entries_posted: "记账凭证",
  new_projects: "新增项目",
  changed_projects: "变更项目",
  new_revenue: "新增收入记录",
  new_exemptions: "新增减免记录",
  party: "单位",
};

export function importSummaryTabular(title: string, result: object): Tabular {
  const r = result as Record<string, unknown>;
  const pairs: [string, string | number | null][] = [];
  for (const [key, value] of Object.entries(r)) {
    if (key === "suspense_items" || key === "central_differs_items" || key === "file") continue;
    const label = SUMMARY_ZH[key] === undefined ? key : `${SUMMARY_ZH[key]} ${key}`;
    pairs.push([label, typeof value === "boolean" ? (value ? "是 yes" : "否 no") : (value as string | number | null)]);
  }
  const tab = items(title, pairs, String(r.file));
  const suspense = r.suspense_items as
    | {
        row: number;
        receipt_no: string;
        uscc: string;
        tax_code: string;
        collected_on: string;
        amount: string;
        reason: string;
      }[]
    | undefined;
  if (suspense && suspense.length > 0) {
    tab.sections.push({
      title_zh: "挂账待查",
      title_en: "Held in suspense (see report suspense)",
      columns: [
        { key: "row", label_zh: "行", label_en: "Row", align: "right" },
        { key: "receipt_no", label_zh: "票号", label_en: "Receipt" },
        { key: "uscc", label_zh: "统一社会信用代码", label_en: "USCC" },
        { key: "tax_code", label_zh: "税种", label_en: "Tax" },
        { key: "collected_on", label_zh: "入库日期", label_en: "Collected" },
        { key: "amount", label_zh: "金额", label_en: "Amount", kind: "money" },
        { key: "reason", label_zh: "原因", label_en: "Reason" },
      ],
      rows: suspense.map((s) => ({ ...s, row: String(s.row) })),
    });
  }
  const differs = r.central_differs_items as Record<string, string | number>[] | undefined;
  if (differs && differs.length > 0) {
    tab.sections.push({
      title_zh: "中央级金额与分税比例不符（按国库金额入账）",
      title_en: "Central level off the ratio (booked as the treasury gave it)",
      columns: [
        { key: "row", label_zh: "行", label_en: "Row", align: "right" },
        { key: "receipt_no", label_zh: "票号", label_en: "Receipt" },
        { key: "tax_code", label_zh: "税种", label_en: "Tax" },
        { key: "amount", label_zh: "金额", label_en: "Amount", kind: "money" },
        { key: "central_given", label_zh: "中央级", label_en: "Central given", kind: "money" },
        { key: "central_by_ratio", label_zh: "按比例", label_en: "By the ratio", kind: "money" },
      ],
      rows: differs.map((d) => ({ ...d, row: String(d.row) })),
    });
  }
  return tab;
}

export function transferTabular(t: TransferResult): Tabular {
  return items(t.kind === "recovery" ? "收回 Recovered over-transfer" : "预拨 Interim transfer", [
    ["ref", t.ref],
    ["kind", t.kind],
    ["operator", t.operator],
    ["park", t.park],
    ["amount", t.amount],
    ["transferred_on", t.transferred_on],
    ["fiscal_year", t.fiscal_year],
    ["entry_id", t.entry_id],
    ["proposal", t.proposal],
    ["replayed", t.replayed ? "yes (already recorded)" : "no"],
  ]);
}

/** Transfer proposals with what each was computed from; the first one's command to execute it below. */
export function proposalsTabular(list: ProposalView[]): Tabular {
  const waiting = list.find((p) => p.executed_by_transfer === null);
  return {
    title_zh: "预拨建议",
    title_en: "Interim transfer proposals",
    sections: [
      {
        columns: [
          { key: "id", label_zh: "编号", label_en: "No." },
          { key: "operator", label_zh: "运营方", label_en: "Operator" },
          { key: "park", label_zh: "园区", label_en: "Park" },
          { key: "through", label_zh: "截至", label_en: "Through" },
          { key: "interim_transfer_pct", label_zh: "预拨比例%", label_en: "Rule %", kind: "percent" as const },
          moneyColumn("operator_share_to_date", "运营方分成累计", "Share to date"),
          moneyColumn("transferred_before", "已拨付", "Transferred before"),
          moneyColumn("amount", "建议预拨", "Proposed"),
          { key: "proposed_at", label_zh: "提出时间", label_en: "Proposed at" },
          { key: "executed_by_transfer", label_zh: "执行拨付", label_en: "Executed by" },
        ],
        rows: list.map((p) => ({ ...p, proposed_at: localTime(p.proposed_at) })),
      },
    ],
    ...(waiting !== undefined
      ? {
          notes: [
            `execute it: parkledger transfer --proposal ${waiting.id} --on YYYY-MM-DD --ref REFERENCE (${waiting.amount} to ${waiting.operator} for ${waiting.park})`,
          ],
        }
      : {}),
  };
}

export function settleTabular(s: SettleResult, ref: ReferenceData): Tabular {
  return items(
    "年终结算 Settlement",
    [
      ["year", s.year],
      ["operator", `${ref.jurisdiction(s.operator)?.name_zh ?? s.operator} (${s.operator})`],
      ["park", s.park ?? (s.by_park ?? []).map((p) => p.park).join(", ")],
      ["operator_share", s.statement.totals.operator_share],
      ["transferred", s.statement.totals.transferred],
      ["balance_due", s.balance_due],
      ["entry_id", s.entry_id],
      ["closed_at", localTime(s.closed_at)],
      ["already_settled", s.already_settled ? "yes" : "no"],
      [
        "settlement_statement",
        s.statement_number ??
          ((s.by_park ?? [])
            .map((p) => p.statement_number)
            .filter((n) => n !== null)
            .join(", ") ||
            null),
      ],
      ["override_reason", s.override_reason],
    ],
    `${s.year} is closed with ${s.operator} for ${s.park ?? (s.by_park ?? []).map((p) => p.park).join(" and ")}: later receipts dated ${s.year} are booked as prior-year adjustments in ${s.year + 1}`,
  );
}

export function parksTabular(list: ParkView[]): Tabular {
  return {
    title_zh: "园区",
    title_en: "Parks",
    sections: [
      {
        columns: [
          { key: "park", label_zh: "园区代码", label_en: "Park" },
          { key: "name_zh", label_zh: "名称", label_en: "Name" },
          { key: "operator", label_zh: "运营方", label_en: "Operator" },
          { key: "operator_name", label_zh: "运营方名称", label_en: "Operator name" },
          { key: "host", label_zh: "东道方", label_en: "Host" },
          { key: "operator_share_pct", label_zh: "运营方比例", label_en: "Operator %", kind: "percent" },
          { key: "agreement_from", label_zh: "协议生效", label_en: "Agreement from" },
        ],
        rows: list.map((p) => ({ ...p })),
      },
    ],
  };
}

export function agreementsTabular(list: AgreementView[]): Tabular {
  return {
    title_zh: "分成协议",
    title_en: "Sharing agreements",
    sections: [
      {
        columns: [
          { key: "park", label_zh: "园区", label_en: "Park" },
          { key: "effective_from", label_zh: "生效日期", label_en: "From" },
          { key: "operator", label_zh: "运营方", label_en: "Operator" },
          { key: "operator_share_pct", label_zh: "运营方比例", label_en: "Operator %", kind: "percent" },
          { key: "host_share_pct", label_zh: "东道方比例", label_en: "Host %", kind: "percent" },
          { key: "shared_non_tax", label_zh: "另含非税", label_en: "Also shares" },
          { key: "shared_levels", label_zh: "分成级次", label_en: "Levels shared" },
          { key: "attribution", label_zh: "归属依据", label_en: "Attributed by" },
          { key: "refund_shares", label_zh: "退税负担", label_en: "Refund shares" },
          { key: "in_force_today", label_zh: "现行", label_en: "In force" },
          { key: "note", label_zh: "依据", label_en: "Note" },
        ],
        rows: list.map((a) => ({
          ...a,
          shared_non_tax: a.shared_non_tax.join(",") || null,
          shared_levels: a.shared_levels.join(","),
          refund_shares: a.refund_shares.join(",") || null,
          in_force_today: a.in_force_today ? "✓" : "",
        })),
      },
    ],
  };
}

export function ratioExceptionsTabular(list: RatioExceptionView[]): Tabular {
  return {
    title_zh: "企业分成比例例外",
    title_en: "Enterprise exceptions to the central share",
    sections: [
      {
        columns: [
          { key: "uscc", label_zh: "统一社会信用代码", label_en: "USCC" },
          { key: "tax_code", label_zh: "税种", label_en: "Tax" },
          { key: "effective_from", label_zh: "生效日期", label_en: "From" },
          { key: "central_share_pct", label_zh: "中央比例", label_en: "Central %", kind: "percent" },
          { key: "in_force_today", label_zh: "现行", label_en: "In force" },
          { key: "note", label_zh: "依据", label_en: "Note" },
        ],
        rows: list.map((x) => ({ ...x, in_force_today: x.in_force_today ? "✓" : "" })),
      },
    ],
  };
}

/** A new version's table, with what it re-split: how many receipts, and the net change per party. */
export function withResplit(view: Tabular, r: ResplitSummary): Tabular {
  const said =
    r.receipts === 0
      ? "no booked receipt is re-split: none it governs changes its split"
      : `re-split ${r.receipts} booked receipt${r.receipts === 1 ? "" : "s"} (${r.refunds} of them refunds) by adjusting entries` +
        (r.prior_year_adjustments > 0
          ? `, ${r.prior_year_adjustments} as prior-year adjustments of a closed year`
          : "");
  const parties = Object.entries(r.net_change);
  return {
    ...view,
    sections: [
      ...view.sections,
      ...(parties.length === 0
        ? []
        : [
            {
              title_zh: "重新分成",
              title_en: "Re-split: net change per party",
              columns: [
                { key: "party", label_zh: "单位", label_en: "Party" },
                { key: "net_change", label_zh: "净变动", label_en: "Net change", kind: "money" as const },
              ],
              rows: parties.map(([party, net_change]) => ({ party, net_change })),
            },
          ]),
    ],
    notes: [...(view.notes ?? []), said],
  };
}

export function ratiosTabular(list: RatioView[]): Tabular {
  return {
    title_zh: "中央地方分享比例",
    title_en: "Central–local ratios",
    sections: [
      {
        columns: [
          { key: "tax_code", label_zh: "税种代码", label_en: "Tax" },
          { key: "tax_name_zh", label_zh: "税种", label_en: "Name" },
          { key: "effective_from", label_zh: "生效日期", label_en: "From" },
          { key: "central_share_pct", label_zh: "中央比例", label_en: "Central %", kind: "percent" },
          { key: "in_force_today", label_zh: "现行", label_en: "In force" },
          { key: "note", label_zh: "依据", label_en: "Note" },
        ],
        rows: list.map((r) => ({ ...r, in_force_today: r.in_force_today ? "✓" : "" })),
      },
    ],
  };
}

export function verifyTabular(v: VerifyResult): Tabular {
  return {
    title_zh: "账簿校验",
    title_en: "Ledger verification",
    subtitle: v.intact
      ? `intact 完整: ${v.entries} entries, ${v.lines} lines, ${v.receipts} receipts`
      : `NOT INTACT 发现问题: ${v.findings.length} findings`,
    sections: [
      {
        columns: [
          { key: "check", label_zh: "检查", label_en: "Check" },
          { key: "detail", label_zh: "说明", label_en: "Detail" },
        ],
        rows: v.findings.map((f) => ({ ...f })),
      },
    ],
    notes: [
      `哈希链 Hash chain: ${v.chain.checked} entries checked${
        v.chain.first_broken === null
          ? `, ends at entry ${v.chain.head_id ?? "-"} with ${v.chain.head_hash}`
          : ", broken"
      }`,
      "Note the final hash: a later verify ending on a different hash for the same entry means history was rewritten.",
    ],
  };
}

/** People who sign in (`user add`, `user list`), their times in Beijing time like every table's. */
export function usersTabular(list: UserView[], title_zh = "用户", title_en = "Users"): Tabular {
  return {
    title_zh,
    title_en,
    sections: [
      {
        columns: [
          { key: "name", label_zh: "用户名", label_en: "Name" },
          { key: "party", label_zh: "单位", label_en: "Party" },
          { key: "role", label_zh: "角色", label_en: "Role" },
          { key: "created_at", label_zh: "创建", label_en: "Created" },
        ],
        rows: list.map((u) => ({ name: u.name, party: u.party, role: u.role, created_at: localTime(u.created_at) })),
      },
    ],
  };
}

export function tokensTabular(list: TokenRow[]): Tabular {
  return {
    title_zh: "接口令牌",
    title_en: "API tokens",
    sections: [
      {
        columns: [
          { key: "id", label_zh: "编号", label_en: "Id" },
          { key: "party", label_zh: "单位", label_en: "Party" },
          { key: "role", label_zh: "角色", label_en: "Role" },
          { key: "label", label_zh: "说明", label_en: "Label" },
          { key: "hint", label_zh: "开头", label_en: "Starts" },
          { key: "created_at", label_zh: "创建", label_en: "Created" },
          { key: "revoked_at", label_zh: "吊销", label_en: "Revoked" },
        ],
        rows: list.map((t) => ({ ...t, created_at: localTime(t.created_at), revoked_at: localTime(t.revoked_at) })),
      },
    ],
  };
}

/** Decisions on probable reconciliation counterparts (`reconcile decide`, `reconcile decisions`), newest first. */
export function decisionsTabular(
  list: DecisionView[],
  title_zh = "对账配对决定",
  title_en = "Reconciliation decisions",
): Tabular {
  return {
    title_zh,
    title_en,
    sections: [
      {
        columns: [
          { key: "id", label_zh: "编号", label_en: "Id" },
          { key: "year", label_zh: "年度", label_en: "Year" },
          { key: "operator", label_zh: "运营方", label_en: "Operator" },
          { key: "park", label_zh: "园区", label_en: "Park" },
          { key: "receipt_no", label_zh: "州方票号", label_en: "Receipt" },
          { key: "counterpart_no", label_zh: "运营方票号", label_en: "Counterpart" },
          { key: "decision", label_zh: "决定", label_en: "Decision" },
          { key: "reason", label_zh: "理由", label_en: "Reason" },
          { key: "party", label_zh: "单位", label_en: "Party" },
          { key: "user", label_zh: "用户", label_en: "User" },
          { key: "decided_at", label_zh: "时间", label_en: "Decided" },
        ],
        rows: list.map((d) => ({
          id: d.id,
          year: String(d.year),
          operator: d.operator,
          park: d.park,
          receipt_no: d.receipt_no,
          counterpart_no: d.counterpart_no,
          decision: `${d.decision === "confirm" ? "确认" : "否定"} ${d.decision}`,
          reason: d.reason,
          party: d.party,
          user: d.user,
          decided_at: localTime(d.decided_at),
        })),
      },
    ],
  };
}
