// The tabular form every report hands to the renderers: bilingual labels for people, a machine key per column
// for scripts, and cell values already formatted the way the JSON contract formats them (money as two-decimal
// strings, indicators as four-decimal strings, counts as numbers), so rendering never does arithmetic.

export type Align = "left" | "right";

export interface Column {
  key: string;
  label_zh: string;
  label_en: string;
  /** Defaults to right for the numeric kinds and left for text. */
  align?: Align;
  /**
   * text: anything. money: `-?\d+\.\d{2}`. indicator: `-?\d+\.\d{4}`. count: an integer.
   * percent: a decimal in percent units, `"80.00"` meaning 80 % (as `formatBpAsPercent` gives).
   */
  kind?: "text" | "money" | "count" | "percent" | "indicator";
}

export type Cell = string | number | null;

export interface Section {
  title_zh?: string;
  title_en?: string;
  columns: Column[];
  rows: Record<string, Cell>[];
  /** Keys left out are shown blank (the figure does not add up); a null is shown as a missing value. */
  totals?: Record<string, Cell>;
}

export interface Tabular {
  title_zh: string;
  title_en: string;
  subtitle?: string;
  sections: Section[];
  notes?: string[];
}

/** A column of amounts (two-decimal strings), right-aligned as every numeric kind is. */
export function moneyColumn(key: string, label_zh: string, label_en: string): Column {
  return { key, label_zh, label_en, kind: "money" };
}
