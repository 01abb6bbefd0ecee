import { catalog } from "./catalog.js";
import { ContractError } from "./errors.js";
import { type Catalog, partitionsOf, type Retention, retentionOf } from "./topic.js";

/** The markers around the generated table in a README; the text between them is replaced. */
export const TABLE_START = "<!-- topics:start: generated from the catalog; do not edit -->";
export const TABLE_END = "<!-- topics:end -->";

/** A README without the markers the topic table is written between. */
export class TableMarkersError extends ContractError {
  constructor() {
    super(
      "CONTRACTS_ERR_TABLE_MARKERS",
      `the README has no "${TABLE_START}" … "${TABLE_END}" section to write the topic table into`,
    );
  }
}

const HEADER = [
  "topic",
  "v",
  "publisher",
  "consumers",
  "partition key",
  "partitions",
  "retention",
  "what it means",
];

/** The catalog's topics as a Markdown table, columns aligned, in catalog order. */
export function renderTopicTable(topics: Catalog = catalog): string {
  const rows = Object.values(topics).map((topic) => [
    code(topic.name),
    String(topic.version),
    topic.publisher,
    topic.consumers.join(", "),
    topic.partitionKey === undefined ? "—" : code(topic.partitionKey),
    String(partitionsOf(topic)),
    retentionText(retentionOf(topic)),
    firstSentence(topic.description),
  ]);
  // Three dashes at least: what a Markdown table's delimiter row needs (and Biome writes).
  const widths = HEADER.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] as number)).join(" | ")} |`;
  return [
    line(HEADER),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map((row) => line(row.map(escapeCell))),
  ].join("\n");
}

/** `readme` with the text between the markers replaced by `table`. */
export function withTopicTable(readme: string, table: string = renderTopicTable()): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END, start);
  if (start === -1 || end === -1) throw new TableMarkersError();
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

const code = (text: string) => `\`${text}\``;

/** A pipe would end the cell early. */
const escapeCell = (cell: string) => cell.replaceAll("|", "\\|");

function retentionText(retention: Retention): string {
  const parts: string[] = [];
  if ("maxLength" in retention)
    parts.push(`~${retention.maxLength.toLocaleString("en-US").replaceAll(",", " ")} entries`);
  if ("maxAgeMs" in retention) {
    const hours = retention.maxAgeMs / 3_600_000;
    parts.push(Number.isInteger(hours) ? `~${hours} h` : `~${retention.maxAgeMs} ms`);
  }
  return parts.join(", ");
}

/** The description's first sentence: the row's summary; the rest is in the AsyncAPI document. */
export function firstSentence(description: string): string {
  // A full stop followed by a space ends a sentence, unless it ends an abbreviation.
  const end = /(?<!\b(?:e\.g|i\.e|etc))\.(?=\s)/.exec(description);
  return end === null ? description : description.slice(0, end.index + 1);
}
