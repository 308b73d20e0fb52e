// Which commands read a little and exit: a report, a trace, a show or a list (not the reconciliation,
// which reads a year). On the embedded database such a command runs PostgreSQL's WebAssembly without
// V8's optimising compiler (src/db/database.ts, `brief`), which a process living a second never earns
// back. Known from the command's words alone, so that the launcher (./launch.ts) can tell before it
// loads the program, as the program does once it has parsed them (./main.ts).

/** Whether the command named by `words` (`report settlement`, `token list`) is a brief one. */
export function isBriefCommand(words: readonly string[]): boolean {
  if (words.join(" ") === "report reconciliation") return false;
  return ["report", "trace", "show"].includes(words[0] ?? "") || words.at(-1) === "list";
}

/** The words naming the command in `argv`: those before its first option (`report settlement --year 2025`). */
export function commandWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith("-") || !/^[a-z][a-z-]*$/.test(arg)) break;
    words.push(arg);
  }
  return words;
}
