// Who is posting: every journal entry records it (migrations/009). The command line posts as the
// operating-system user; an HTTP request runs its handler inside `runAs` with its request id, party
// and token, so the journal writer finds the actor without every service passing it along.

import { AsyncLocalStorage } from "node:async_hooks";
import os from "node:os";

export interface Actor {
  /** `cli:<user>` or `api:<party>` */
  posted_by: string;
  request_id: string | null;
  party: string | null;
  token_id: bigint | null;
}

const storage = new AsyncLocalStorage<Actor>();

let cli: Actor | null = null;

function commandLineActor(): Actor {
  if (cli === null) {
    let user = process.env.USER ?? "unknown";
    try {
      user = os.userInfo().username;
    } catch {
      // a container without a passwd entry for this uid: keep what the environment says
    }
    cli = { posted_by: `cli:${user}`, request_id: null, party: null, token_id: null };
  }
  return cli;
}

export function currentActor(): Actor {
  return storage.getStore() ?? commandLineActor();
}

export function runAs<T>(actor: Actor, fn: () => T): T {
  return storage.run(actor, fn);
}
