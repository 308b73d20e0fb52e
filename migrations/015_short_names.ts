// Reason: people name parties and parks by their short Chinese names (兵团, 乌鲁木齐, 兵准). A name is
// matched only as a whole (the code in any case, the full or short Chinese name, the English name),
// never as a part of one: "木齐" once closed Urumqi's year. The short names are data like the rest.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table jurisdictions add column short_zh text not null default '';
    alter table parks add column short_zh text not null default '';
    update jurisdictions set short_zh = '中央' where code = 'central';
    update jurisdictions set short_zh = '昌吉州' where code = 'prefecture';
    update jurisdictions set short_zh = '兵团' where code = 'bingtuan';
    update jurisdictions set short_zh = '乌鲁木齐' where code = 'urumqi';
    update parks set short_zh = '兵准' where code = 'BZ';
    update parks set short_zh = '乌准' where code = 'WZ';
    update parks set short_zh = '准东' where code = 'ZD';
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table parks drop column short_zh;
    alter table jurisdictions drop column short_zh;
  `,
  );
}
