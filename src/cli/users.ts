// `user add --name NAME --party P --role R` and `user list`: people who sign in to the web workspace.
// The password is never an option (it would stay in the shell's history): it is read from stdin, or
// asked for twice without echo when stdin is a terminal.

import readline from "node:readline";
import { Writable } from "node:stream";
import type { Command } from "commander";
import { Option } from "commander";
import { ROLES } from "../repositories/tokens.js";
import { addUser, listUsers } from "../repositories/users.js";
import type { CliContext } from "./context.js";
import { emit, formatOption, UsageError, type Format } from "./output.js";
import { usersTabular } from "./views.js";

/** A line typed at the terminal without showing it. */
async function askHidden(question: string): Promise<string> {
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  process.stderr.write(question);
  const rl = readline.createInterface({ input: process.stdin, output: muted, terminal: true });
  const answer = await new Promise<string>((resolve) => rl.question("", resolve));
  rl.close();
  process.stderr.write("\n");
  return answer;
}

/** The password: stdin's first line when it is piped, else asked twice at the terminal. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
  }
  const first = await askHidden("password (not shown): ");
  if ((await askHidden("again: ")) !== first) throw new UsageError("the two passwords differ; nothing was recorded");
  return first;
}

export function addUserCommands(program: Command, c: CliContext, password: () => Promise<string> = readPassword): void {
  const user = program.command("user").description("people who sign in to the web workspace");
  user
    .command("add")
    .description("add a person of a party with its role; the password is read from stdin or asked for")
    .requiredOption("--name <name>", "the name they sign in with: small letters, digits, _ . -")
    .requiredOption("--party <party>", "their party: a jurisdiction, statistics (the zone's bureau) or auditor")
    .addOption(
      new Option(
        "--role <role>",
        "what they may do: finance; statistics (of an operator: its own bureau, its parks' indicators only); auditor",
      )
        .choices(ROLES)
        .makeOptionMandatory(),
    )
    .addOption(formatOption(["table", "json"]))
    .action(async (o: { name: string; party: string; role: string; format?: Format }) => {
      const added = await addUser((await c.database()).knex, { ...o, password: await password() });
      await emit(c.io, o.format, undefined, added, () => usersTabular([added], "新增用户", "User added"));
    });
  user
    .command("list")
    .description("every person who may sign in, without passwords")
    .addOption(formatOption(["table", "json"]))
    .action(async (o: { format?: Format }) => {
      const list = await listUsers((await c.database()).knex);
      await emit(c.io, o.format, undefined, list, () => usersTabular(list));
    });
}
