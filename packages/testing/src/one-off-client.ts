import { Redis, type RedisOptions } from "ioredis";

/**
 * A one-off connection for a few admin commands: no retries, no reconnects, errors
 * surfaced through the rejected command. Closed when `work` settles.
 */
export async function withOneOffClient<T>(
  target: { host: string; port: number } | string,
  work: (admin: Redis) => Promise<T>,
  extra: RedisOptions = {},
): Promise<T> {
  const options = {
    ...extra,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2_000,
  };
  const admin =
    typeof target === "string" ? new Redis(target, options) : new Redis({ ...target, ...options });
  admin.on("error", () => {
    // surfaced through the rejected command instead
  });
  try {
    await admin.connect();
    return await work(admin);
  } finally {
    admin.disconnect();
  }
}
