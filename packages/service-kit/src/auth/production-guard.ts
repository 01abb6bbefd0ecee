import { readFileSync } from "node:fs";
import type { BaseConfig, ConfigIssue } from "../config.js";
import { DEV_KEY_ID_PREFIX } from "./dev-keys.js";

/** The demo's passwords (docker-compose.yml's defaults) all look like this. */
const DEMO_PASSWORD = /^demo-[a-z0-9-]*password$/;

/**
 * What makes a configuration unfit for production, one issue per variable: a Redis
 * password of the demo's, a key set holding the demo's signing key, a key set fetched
 * over plain HTTP. Empty unless `NODE_ENV` is `production`: the demo runs with
 * `NODE_ENV=development` and its defaults work out of the box.
 */
export function demoSecretIssues(config: BaseConfig): ConfigIssue[] {
  if (config.NODE_ENV !== "production") return [];
  const issues: ConfigIssue[] = [];
  const password = decodeURIComponent(new URL(config.REDIS_URL).password);
  if (DEMO_PASSWORD.test(password))
    issues.push({
      variable: "REDIS_URL",
      problem: "holds a demo password; production needs a password of its own",
    });
  if (config.AUTH_JWKS_URL !== undefined && new URL(config.AUTH_JWKS_URL).protocol !== "https:")
    issues.push({
      variable: "AUTH_JWKS_URL",
      problem: "must be https:// in production: keys fetched over plain HTTP can be forged",
    });
  if (config.AUTH_JWKS_FILE !== undefined && holdsDemoKey(config.AUTH_JWKS_FILE))
    issues.push({
      variable: "AUTH_JWKS_FILE",
      problem: `holds the demo signing key (key id ${DEV_KEY_ID_PREFIX}…); production verifies tokens of its identity provider`,
    });
  return issues;
}

function holdsDemoKey(file: string): boolean {
  try {
    const keys = (JSON.parse(readFileSync(file, "utf8")) as { keys?: { kid?: unknown }[] }).keys;
    return (keys ?? []).some(
      (key) => typeof key.kid === "string" && key.kid.startsWith(DEV_KEY_ID_PREFIX),
    );
  } catch {
    // An unreadable file is the verifier's to report.
    return false;
  }
}
