import { promises as dns } from "node:dns";

/** One replica's HTTP address. */
export interface Upstream {
  host: string;
  port: number;
}

/** Where the replicas are right now. */
export interface UpstreamSource {
  /**
   * The replicas to spread requests over, always in the same order for the same set.
   * `fresh` looks them up again at once (after every known one failed: one may have
   * been replaced by a container with a new address).
   */
  current(options?: { fresh?: boolean }): Promise<readonly Upstream[]>;
}

/** Every address a name resolves to. */
export type Lookup = (hostname: string) => Promise<readonly string[]>;

/** Through the system resolver, as `getaddrinfo` answers: Docker's DNS lists every replica. */
export const systemLookup: Lookup = async (hostname) =>
  (await dns.lookup(hostname, { all: true })).map(({ address }) => address);

/** The answers that mean "no such name right now": in compose, no replica is running. */
const NO_ADDRESS = new Set(["ENOTFOUND", "ENODATA"]);

export interface DnsUpstreamsOptions {
  hostname: string;
  port: number;
  /** A lookup older than this is repeated before the next request is routed. */
  refreshMs: number;
  /** Default: {@link systemLookup}. */
  lookup?: Lookup;
  /** Default: `Date.now`. */
  now?: () => number;
  /** A lookup that failed for another reason than "no such name"; the last list stays. */
  onLookupError?: (error: unknown) => void;
}

/**
 * The replicas behind a DNS name, looked up at most once per `refreshMs` (and at once
 * when asked for a fresh list), with one lookup at a time however many requests wait.
 * "No such name" empties the list: compose drops a stopped replica from its DNS, so
 * none left means none to try. Any other failure keeps the last list, which is
 * likelier right than nothing.
 */
export function dnsUpstreams(options: DnsUpstreamsOptions): UpstreamSource {
  const lookup = options.lookup ?? systemLookup;
  const now = options.now ?? Date.now;
  let known: readonly Upstream[] = [];
  let lookedUpAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<readonly Upstream[]> | undefined;

  const refresh = async (): Promise<readonly Upstream[]> => {
    try {
      const addresses = [...new Set(await lookup(options.hostname))].sort();
      known = addresses.map((host) => ({ host, port: options.port }));
    } catch (error) {
      if (NO_ADDRESS.has((error as { code?: string }).code ?? "")) known = [];
      else options.onLookupError?.(error);
    }
    lookedUpAt = now();
    return known;
  };

  return {
    current({ fresh = false } = {}) {
      if (inFlight) return inFlight;
      if (!fresh && now() - lookedUpAt < options.refreshMs) return Promise.resolve(known);
      inFlight = refresh().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}
