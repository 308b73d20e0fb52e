// Reason: parties are data. A token's party was checked against a list written into the schema
// (prefecture, bingtuan, urumqi), so a park added with a new operator could never be given a token.
// A finance token now belongs to any local jurisdiction (checked against the jurisdictions table by a
// trigger, as a foreign key cannot say "or statistics or auditor"); the bureau and the auditors keep
// their own party and role.

import type { Knex } from "knex";
import { runScript } from "./sql.js";

export async function up(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    alter table api_tokens drop constraint api_tokens_check;
    alter table api_tokens drop constraint api_tokens_party_check;
    alter table api_tokens add constraint api_tokens_party_holds_role
      check ((role = 'statistics') = (party = 'statistics') and (role = 'auditor') = (party = 'auditor'));
    create function parkledger_token_party_known() returns trigger language plpgsql as $$
    begin
      if new.role = 'finance' and not exists (select 1 from jurisdictions j where j.code = new.party and not j.is_central) then
        raise exception 'parkledger: % is not a local jurisdiction; a finance token belongs to one', new.party
          using errcode = '23514', hint = 'party_unknown';
      end if;
      return new;
    end $$;
    create trigger api_tokens_party_known before insert or update on api_tokens
      for each row execute function parkledger_token_party_known();
  `,
  );
}

export async function down(knex: Knex): Promise<void> {
  await runScript(
    knex,
    `
    drop trigger api_tokens_party_known on api_tokens;
    drop function parkledger_token_party_known();
    alter table api_tokens drop constraint api_tokens_party_holds_role;
    alter table api_tokens add constraint api_tokens_party_check
      check (party in ('prefecture', 'bingtuan', 'urumqi', 'statistics', 'auditor'));
    alter table api_tokens add constraint api_tokens_check
      check ((role = 'finance' and party in ('prefecture', 'bingtuan', 'urumqi'))
          or (role = 'statistics' and party = 'statistics')
          or (role = 'auditor' and party = 'auditor'));
  `,
  );
}
