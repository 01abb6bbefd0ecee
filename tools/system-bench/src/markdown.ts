/** The generated block of docs/BENCHMARKS.md: only the text between the markers is replaced. */
import { MarkersMissingError } from "./errors.js";

export const BLOCK_START = "<!-- system-bench:start -->";
export const BLOCK_END = "<!-- system-bench:end -->";

/**
 * `document` with everything between the markers replaced by `block`; the markers and
 * all text around them are kept. Throws `MarkersMissingError` when a marker is missing
 * or the end comes before the start.
 */
export function replaceBlock(document: string, block: string, file = "the document"): string {
  const start = document.indexOf(BLOCK_START);
  const end = document.indexOf(BLOCK_END, start === -1 ? 0 : start);
  const missing = [...(start === -1 ? [BLOCK_START] : []), ...(end === -1 ? [BLOCK_END] : [])];
  if (missing.length > 0) throw new MarkersMissingError(file, missing);
  return `${document.slice(0, start + BLOCK_START.length)}\n${block.trim()}\n${document.slice(end)}`;
}

/** A Markdown section: a heading, optional prose, then the table as Markdown. */
export function section(heading: string, body: readonly (string | undefined)[]): string {
  return [`### ${heading}`, ...body.filter((part): part is string => part !== undefined)].join(
    "\n\n",
  );
}
