// Word lists for believable, invented enterprise names in the style of the Zhundong zone's
// industries (煤电, 现代煤化工, 煤电冶, 新材料, 新能源, 先进装备制造), so finance officers see a
// registry that looks like theirs without naming any real company.

import type { Rng } from "./prng.js";

export type Park = "BZ" | "WZ" | "ZD";

const REGION_BY_PARK: Record<Park, readonly string[]> = {
  BZ: ["新疆准东", "新疆兵准", "兵团准东", "新疆", "五家渠"],
  WZ: ["新疆准东", "新疆乌准", "乌鲁木齐", "新疆", "乌准"],
  ZD: ["新疆准东", "昌吉", "奇台", "吉木萨尔", "新疆"],
};

// prettier-ignore
const BRANDS = [
  "彩北", "将军庙", "五彩湾", "火烧山", "大井", "西黑山", "芨芨湖", "红沙泉", "金塔", "鑫源",
  "华远", "恒泰", "宏达", "昆仑", "丝路", "瑞丰", "天龙", "新业", "汇能", "晶鑫",
  "盛隆", "荣和", "天润", "远洋", "永昌", "德润", "恒力", "天盛", "华泰", "中能",
  "天辰", "润通", "东明", "西域", "天合", "金凯", "博瑞", "智诚", "顺达", "卓越",
  "荣昌", "亿丰", "北辰", "星河", "同创", "瀚海", "金沙", "银川", "玉泉", "雪莲",
  "胡杨", "驼铃", "天元", "鼎盛", "聚源", "通达", "泰和", "宏远", "嘉禾", "长青",
];

// Industry words grouped by the zone's six industrial chains plus their services.
// prettier-ignore
const INDUSTRIES = [
  // 煤电
  "煤电", "热电", "发电", "能源", "煤业",
  // 现代煤化工
  "煤化工", "现代煤化工", "煤制油", "煤制气", "煤制烯烃", "精细化工", "化工",
  // 煤电冶
  "煤电冶", "铝业", "硅业", "冶金", "铝材", "硅材料",
  // 新材料
  "新材料", "新材料科技", "碳材料", "复合材料", "高分子材料",
  // 新能源
  "新能源", "光伏", "风电", "储能", "氢能科技",
  // 先进装备制造
  "装备制造", "机械", "重工", "电气设备", "智能装备",
  // services of the zone
  "物流", "矿业", "建材", "环保科技",
];

const SUFFIXES = ["有限公司", "有限公司", "有限公司", "有限责任公司", "有限责任公司", "股份有限公司"];

/** A new name not in `taken` (which it extends); after a few collisions it numbers a branch. */
export function enterpriseName(rng: Rng, park: Park, taken: Set<string>): string {
  for (let attempt = 0; attempt < 12; attempt++) {
    const name = rng.pick(REGION_BY_PARK[park]) + rng.pick(BRANDS) + rng.pick(INDUSTRIES) + rng.pick(SUFFIXES);
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
  const base = rng.pick(REGION_BY_PARK[park]) + rng.pick(BRANDS) + rng.pick(INDUSTRIES) + "有限公司";
  for (let branch = 2; ; branch++) {
    const name = `${base}准东第${branch}分公司`;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}
