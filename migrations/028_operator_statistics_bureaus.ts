// Reason: each operator's statistics bureau counts its own park's indicators (seed 004 §6), so a
// statistics token may belong to a jurisdiction that runs a park for another host, besides the zone's
// bureau (party statistics). The auditors keep their own party and role; a finance token still belongs
// to any local jurisdiction; a statistics token of a jurisdiction, only to one that runs such a park
// when it is made (checked by the trigger, as a constraint cannot look at the parks).

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table api_tokens drop constraint api_tokens_party_holds_role;
    alter table api_tokens add constraint api_tokens_party_holds_role
      check ((role = 'auditor') = (party = 'auditor') and (party <> 'statistics' or role = 'statistics'));
    create or replace function parkledger_token_party_known() returns trigger language plpgsql as $$
    begin
      if new.role = 'finance' and not exists (select 1 from jurisdictions j where j.code = new.party and not j.is_central) then
        raise exception 'parkledger: % is not a local jurisdiction; a finance token belongs to one', new.party
          using errcode = '23514', hint = 'party_unknown';
      end if;
      if new.role = 'statistics' and new.party <> 'statistics'
         and not exists (select 1 from parks p where p.operator = new.party and p.host <> p.operator) then
        raise exception 'parkledger: % runs no park for another host; its statistics bureau has none to count', new.party
          using errcode = '23514', hint = 'party_unknown';
      end if;
      return new;
    end $$;
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    do $$ begin
      if exists (select 1 from api_tokens where role = 'statistics' and party <> 'statistics') then
        raise exception 'parkledger: an operator statistics bureau holds tokens; the schema before 028 cannot keep them';
      end if;
    end $$;
    create or replace function parkledger_token_party_known() returns trigger language plpgsql as $$
    begin
      if new.role = 'finance' and not exists (select 1 from jurisdictions j where j.code = new.party and not j.is_central) then
        raise exception 'parkledger: % is not a local jurisdiction; a finance token belongs to one', new.party
          using errcode = '23514', hint = 'party_unknown';
      end if;
      return new;
    end $$;
    alter table api_tokens drop constraint api_tokens_party_holds_role;
    alter table api_tokens add constraint api_tokens_party_holds_role
      check ((role = 'statistics') = (party = 'statistics') and (role = 'auditor') = (party = 'auditor'));
  `,
  );
}
