import type { Scope } from "@retail/service-kit";
import { CliError, ExitCode, usageError } from "./errors.js";
import { jsonDocument } from "./format.js";
import type { CommandContext } from "./io.js";
import { keysDirFrom, readSigningKey, serviceKit } from "./keys.js";

export const DEFAULT_DASHBOARD_URL = "http://localhost:3003";

/** One hour: long enough for a demo session, short enough that a leaked token fades. */
export const DEFAULT_TTL_SECONDS = 3_600;
/** A week at most: these are demo tokens, not service credentials. */
export const MAX_TTL_SECONDS = 7 * 24 * 3_600;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `3600`, `90s`, `30m`, `1h` or `2d` as seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] || "s"] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TTL_SECONDS)
    throw usageError(
      `--ttl must be a duration from 1s to 7d (e.g. 3600, 90s, 30m, 1h, 2d), got "${text}"`,
    );
  return seconds;
}

export interface TokenOptions {
  subject?: string;
  scope?: string[];
  staff?: boolean;
  dashboard?: boolean;
  dashboardUrl?: string;
  ttl?: string;
  keys?: string;
  json?: boolean;
}

export interface TokenResult {
  token: string;
  subject: string;
  scopes: Scope[];
  expiresAt: string;
  /** With `--dashboard`: the page with the token in its fragment. */
  url?: string;
}

/**
 * The scopes asked for, checked against the kit's list, presets added, in the list's
 * order and each once.
 */
async function scopesOf(options: TokenOptions): Promise<Scope[]> {
  const { DASHBOARD_SCOPES, SCOPE_NAMES, isScope } = await serviceKit();
  const asked = new Set<string>(options.scope ?? []);
  const unknown = [...asked].filter((name) => !isScope(name));
  if (unknown.length > 0)
    throw usageError(
      `unknown scope ${unknown.map((name) => `"${name}"`).join(", ")}; the scopes are: ${SCOPE_NAMES.join(", ")}`,
    );
  if (options.staff) for (const scope of SCOPE_NAMES) asked.add(scope);
  if (options.dashboard) for (const scope of DASHBOARD_SCOPES) asked.add(scope);
  if (asked.size === 0)
    throw usageError(
      `give at least one --scope (${SCOPE_NAMES.join(", ")}), or --staff or --dashboard`,
    );
  return SCOPE_NAMES.filter((scope) => asked.has(scope));
}

function subjectOf(options: TokenOptions): string {
  const given = options.subject?.trim();
  if (given) return given;
  if (options.dashboard) return "dashboard";
  if (options.staff) return "staff";
  throw usageError(
    "--subject is required: the customer id, client app id or staff member the token speaks for",
  );
}

function dashboardUrlOf(options: TokenOptions, env: CommandContext["io"]["env"]): string {
  const base = options.dashboardUrl ?? (env.DASHBOARD_URL || undefined) ?? DEFAULT_DASHBOARD_URL;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw usageError(`not a dashboard URL: "${base}" (expected e.g. ${DEFAULT_DASHBOARD_URL})`);
  }
  url.hash = "";
  return url.href;
}

/**
 * `retail token --subject S --scope X…`: a token signed with the demo's key, for curl
 * (`authorization: Bearer …`) or, with `--dashboard`, the dashboard's URL carrying it
 * in its fragment (which the browser never sends to a server).
 */
export async function tokenCommand(context: CommandContext, options: TokenOptions): Promise<void> {
  const subject = subjectOf(options);
  const scopes = await scopesOf(options);
  const ttlSeconds = options.ttl === undefined ? DEFAULT_TTL_SECONDS : parseTtl(options.ttl);
  const url = options.dashboard ? dashboardUrlOf(options, context.io.env) : undefined;
  const key = await readSigningKey(keysDirFrom(options.keys, context.io.env));
  let token: string;
  try {
    token = await key.sign({ subject, scopes, expiresInSeconds: ttlSeconds });
  } catch (error) {
    throw new CliError(ExitCode.failure, `cannot sign the token: ${(error as Error).message}`);
  }
  const result: TokenResult = {
    token,
    subject,
    scopes,
    expiresAt: new Date(Date.now() + ttlSeconds * 1_000).toISOString(),
    ...(url === undefined ? {} : { url: `${url}#token=${token}` }),
  };
  if (options.json) context.io.out(jsonDocument(result));
  // Nothing else on stdout: `TOKEN=$(retail token …)` takes all of it.
  else context.io.out(`${result.url ?? token}\n`);
}
