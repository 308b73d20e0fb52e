// The generic renderer: every report builds one `Tabular` and gets its table, CSV and workbook forms from here,
// so `--format table|csv|xlsx` look and behave alike across reports (JSON is each report's own, by contract).

export type { Align, Cell, Column, Section, Tabular } from "./render/tabular.js";
export { moneyColumn } from "./render/tabular.js";
export { renderTable } from "./render/table.js";
export { renderCsv } from "./render/csv.js";
export { renderXlsx } from "./render/xlsx.js";
