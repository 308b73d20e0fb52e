// How many terminal columns a text takes (a Chinese character two), by string-width. Loaded when a
// table or a workbook is first drawn rather than with the module: string-width makes an ICU segmenter
// as it loads (about 15 ms of a command's start), which a JSON or CSV answer does without.

export type DisplayWidth = (text: string) => number;

let loaded: Promise<DisplayWidth> | null = null;

export function displayWidth(): Promise<DisplayWidth> {
  return (loaded ??= import("string-width").then((m) => m.default));
}
