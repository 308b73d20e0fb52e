// Reason: the arrangement of the two sub-parks as it stands today (docs/domain.md#the-arrangement), and the
// central–local ratios of the tax-sharing system with their history (VAT 75:25 before 2016-05-01), so a
// new ledger works at once.

import type { Knex } from "knex";

const JURISDICTIONS = [
  { code: "central", name_zh: "中央", name_en: "Central government", is_central: true },
  { code: "prefecture", name_zh: "昌吉州（准东开发区）", name_en: "Changji Prefecture (Zhundong)", is_central: false },
  { code: "bingtuan", name_zh: "新疆生产建设兵团", name_en: "Bingtuan (XPCC)", is_central: false },
  { code: "urumqi", name_zh: "乌鲁木齐市", name_en: "Urumqi", is_central: false },
];

const PARKS = [
  {
    code: "BZ",
    name_zh: "兵准园区",
    name_en: "Bingtuan–Zhundong Industrial Park",
    operator: "bingtuan",
    host: "prefecture",
  },
  {
    code: "WZ",
    name_zh: "乌准园区",
    name_en: "Urumqi–Zhundong Industrial Park",
    operator: "urumqi",
    host: "prefecture",
  },
  {
    code: "ZD",
    name_zh: "准东开发区（其他区域）",
    name_en: "Zhundong host area",
    operator: "prefecture",
    host: "prefecture",
  },
];

// code, collection-item code, Chinese, English, is a tax, central share history [from, bp]
const TAXES: [string, string, string, string, boolean, [string, number][]][] = [
  [
    "VAT",
    "10101",
    "增值税",
    "Value-added tax",
    true,
    [
      ["1994-01-01", 7500],
      ["2016-05-01", 5000],
    ],
  ],
  ["CT", "10102", "消费税", "Consumption tax", true, [["1994-01-01", 10000]]],
  [
    "CIT",
    "10104",
    "企业所得税",
    "Corporate income tax",
    true,
    [
      ["2002-01-01", 5000],
      ["2003-01-01", 6000],
    ],
  ],
  [
    "PIT",
    "10106",
    "个人所得税",
    "Personal income tax",
    true,
    [
      ["2002-01-01", 5000],
      ["2003-01-01", 6000],
    ],
  ],
  ["RES", "10107", "资源税", "Resource tax", true, [["1994-01-01", 0]]],
  ["UMCT", "10109", "城市维护建设税", "Urban maintenance and construction tax", true, [["1994-01-01", 0]]],
  ["PROP", "10110", "房产税", "Property tax", true, [["1994-01-01", 0]]],
  ["STAMP", "10111", "印花税", "Stamp duty (non-securities)", true, [["1994-01-01", 0]]],
  ["LUT", "10112", "城镇土地使用税", "Urban land use tax", true, [["1994-01-01", 0]]],
  ["LVAT", "10113", "土地增值税", "Land value-added tax", true, [["1994-01-01", 0]]],
  ["VVT", "10114", "车船税", "Vehicle and vessel tax", true, [["1994-01-01", 0]]],
  ["VPT", "10116", "车辆购置税", "Vehicle purchase tax", true, [["1994-01-01", 10000]]],
  ["CUST", "10117", "关税", "Customs duties", true, [["1994-01-01", 10000]]],
  ["FOT", "10118", "耕地占用税", "Farmland occupation tax", true, [["1994-01-01", 0]]],
  ["DEED", "10119", "契税", "Deed tax", true, [["1994-01-01", 0]]],
  ["TOB", "10120", "烟叶税", "Tobacco leaf tax", true, [["1994-01-01", 0]]],
  ["ENV", "10121", "环境保护税", "Environmental protection tax", true, [["2018-01-01", 0]]],
  ["EDU", "30203", "教育费附加", "Education surcharge (non-tax)", false, [["1994-01-01", 0]]],
  ["LEDU", "30216", "地方教育附加", "Local education surcharge (non-tax)", false, [["1994-01-01", 0]]],
];

/** The arrangement's 80:20 split; the opinion sets no start date, so it covers every year the ledger may hold. */
const AGREEMENT_FROM = "2020-01-01";

export async function up(knex: Knex): Promise<void> {
  await knex("jurisdictions").insert(JURISDICTIONS);
  await knex("parks").insert(PARKS);
  await knex("tax_types").insert(
    TAXES.map(([code, item_code, name_zh, name_en, is_tax]) => ({ code, item_code, name_zh, name_en, is_tax })),
  );
  await knex("central_ratios").insert(
    TAXES.flatMap(([tax_code, , , , , history]) =>
      history.map(([effective_from, central_share_bp]) => ({
        tax_code,
        effective_from,
        central_share_bp,
        note: "分税制 (seed)",
      })),
    ),
  );
  await knex("agreements").insert(
    ["BZ", "WZ"].map((park) => ({
      park,
      effective_from: AGREEMENT_FROM,
      operator_share_bp: 8000,
      note: "实施意见 一(一)5: 8:2 (seed)",
    })),
  );
}

export async function down(): Promise<void> {
  throw new Error("the reference seed is not removed; roll back 001 instead");
}
