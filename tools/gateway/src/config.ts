import { GatewayConfigError } from "./errors.js";

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The gateway's configuration, from the environment. */
export interface GatewayConfig {
  /** `HOST`, default `0.0.0.0`: the address to listen on. */
  host: string;
  /** `PORT`, default `8080`: the port to listen on. */
  port: number;
  /** `UPSTREAM`, required: `name:port`, the DNS name every replica answers to, e.g. `shipping:3002`. */
  upstreamHost: string;
  upstreamPort: number;
  /** `UPSTREAM_REFRESH_MS`, default `1000`: how long one lookup of the name is used. */
  refreshMs: number;
  /** `CONNECT_TIMEOUT_MS`, default `1000`: how long a replica may take to accept before the next is tried. */
  connectTimeoutMs: number;
  /** `SHUTDOWN_TIMEOUT_MS`, default `5000`: how long open exchanges may finish after SIGTERM. */
  shutdownTimeoutMs: number;
  /** `LOG_LEVEL`, default `info`. */
  logLevel: LogLevel;
}

/** Parse the environment; throws {@link GatewayConfigError} naming every bad variable at once. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const issues: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (/^\d+$/.test(raw) && value >= min && value <= max) return value;
    issues.push(`${name}: must be a whole number from ${min} to ${max}, got "${raw}"`);
    return fallback;
  };

  const upstream = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(
    env.UPSTREAM?.trim() ?? "",
  );
  const upstreamPort = Number(upstream?.[2]);
  if (!upstream || upstreamPort < 1 || upstreamPort > 65_535)
    issues.push(`UPSTREAM: must be name:port, e.g. shipping:3002, got "${env.UPSTREAM ?? ""}"`);

  const logLevel = (env.LOG_LEVEL?.trim() || "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    issues.push(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(", ")}, got "${env.LOG_LEVEL}"`);

  const config: GatewayConfig = {
    host: env.HOST?.trim() || "0.0.0.0",
    port: integer("PORT", 8080, 0, 65_535),
    upstreamHost: (upstream?.[1] ?? "").replace(/^\[|\]$/g, ""),
    upstreamPort,
    refreshMs: integer("UPSTREAM_REFRESH_MS", 1_000, 0, 3_600_000),
    connectTimeoutMs: integer("CONNECT_TIMEOUT_MS", 1_000, 1, 600_000),
    shutdownTimeoutMs: integer("SHUTDOWN_TIMEOUT_MS", 5_000, 0, 600_000),
    logLevel,
  };
  if (issues.length > 0) throw new GatewayConfigError(issues);
  return config;
}
