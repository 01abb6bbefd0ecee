import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  devSigningKeyIn,
  type Principal,
  type Scope,
  tokenVerifierFromConfig,
} from "@retail/service-kit";

/**
 * The demo key of these tests, as compose's auth-keys volume holds it: the load
 * generator signs with it (`AUTH_KEYS_DIR`), the stubs verify with its public key set,
 * as the services do.
 */
export const STUB_KEYS_DIR = mkdtempSync(join(tmpdir(), "loadgen-keys-"));
await devSigningKeyIn(STUB_KEYS_DIR);
const verify = tokenVerifierFromConfig({
  AUTH_JWKS_FILE: join(STUB_KEYS_DIR, "jwks.json"),
  AUTH_AUDIENCE: "retail-api",
  AUTH_ISSUER: "retail-demo",
});

/** One request a stub received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Who the bearer token says sent it; undefined without a valid one. */
  principal: Principal | undefined;
  /** The stub dropped the connection instead of answering. */
  dropped: boolean;
  /** The status it answered (`undefined` while held or when dropped). */
  status: number | undefined;
}

/** What a stub handler answers: a response, or `"drop"` to destroy the connection. */
export type StubAnswer =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | "drop";

export type StubHandler = (request: RecordedRequest) => StubAnswer | Promise<StubAnswer>;

export interface StubServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 that records every request and answers with `handler`. */
export async function startStub(handler: StubHandler): Promise<StubServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://stub");
      const text = Buffer.concat(chunks).toString("utf8");
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: text === "" ? undefined : (JSON.parse(text) as unknown),
        principal: await principalOf(req.headers.authorization),
        dropped: false,
        status: undefined,
      };
      requests.push(recorded);
      void Promise.resolve(handler(recorded)).then((answer) => respond(recorded, answer, res));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function principalOf(authorization: string | undefined): Promise<Principal | undefined> {
  const [scheme, token] = (authorization ?? "").split(" ");
  if (scheme !== "Bearer" || !token) return undefined;
  return verify(token).catch(() => undefined);
}

const refusal = (status: 401 | 403 | 404, code: string): StubAnswer => ({
  status,
  body: { error: { code, message: code } },
});

/**
 * What the services answer a request that may not do what it asks (their route
 * contract): 401 without a valid token, 403 without `scope`, 403 acting for another
 * owner in the body (`mismatch`) and 404 for another owner's resource (`notFound`),
 * unless the token holds `staffScope`. `undefined`: allowed.
 */
function refused(
  request: RecordedRequest,
  scope: Scope,
  owner?: { id: string; staffScope: Scope; mismatch?: string; notFound?: string },
): StubAnswer | undefined {
  const { principal } = request;
  if (!principal) return refusal(401, "unauthenticated");
  if (!principal.has(scope)) return refusal(403, "insufficient_scope");
  if (owner && !principal.actsFor(owner.id, owner.staffScope)) {
    if (owner.notFound) return refusal(404, owner.notFound);
    return refusal(403, owner.mismatch ?? "forbidden");
  }
  return undefined;
}

function respond(recorded: RecordedRequest, answer: StubAnswer, res: ServerResponse): void {
  if (answer === "drop") {
    recorded.dropped = true;
    res.socket?.destroy();
    return;
  }
  recorded.status = answer.status;
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.body === undefined) {
    res.writeHead(answer.status, headers).end();
    return;
  }
  headers["content-type"] = "application/json; charset=utf-8";
  res.writeHead(answer.status, headers).end(JSON.stringify(answer.body));
}

/** A product as the stub inventory lists it. */
/** `GET /health/ready`: "not ready" (503) for the first `notReadyLooks` looks, then ready. */
function readiness(notReadyLooks = 0): () => StubAnswer {
  let notReady = notReadyLooks;
  return () => {
    if (notReady <= 0) return { status: 200, body: { status: "ready" } };
    notReady--;
    return { status: 503, body: { status: "not_ready", error: { code: "not_ready" } } };
  };
}

export interface StubProduct {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
}

export const STUB_PRODUCTS: readonly StubProduct[] = [
  { sku: "HOODIE-ZIP-GRY-L", name: "Zip hoodie, grey, L", priceCents: 4499, available: 75 },
  { sku: "MUG-CERAMIC-350", name: "Ceramic mug, 350 ml", priceCents: 899, available: 200 },
  { sku: "TSHIRT-CLASSIC-WHT-M", name: "Classic T-shirt", priceCents: 1999, available: 120 },
  { sku: "WATCH-SMART-S2", name: "Smartwatch S2", priceCents: 24999, available: 2 },
];

export interface InventoryStubOptions {
  /** `GET /health/ready` answers 503 this many times first. */
  notReadyLooks?: number;
  /** Drop the connection of this many `POST /orders` requests first. */
  dropOrders?: number;
}

/**
 * Inventory's public API as the load generator uses it: readiness, the product list
 * (paged by SKU), orders (any line of 20+ units is out of stock), cancels, restocks;
 * each route refuses a token as inventory does (catalog:read, catalog:write,
 * orders:write for the order's own customer).
 */
export async function startInventoryStub(options: InventoryStubOptions = {}) {
  const ready = readiness(options.notReadyLooks);
  let drops = options.dropOrders ?? 0;
  /** Order id → its customer. */
  const placed = new Map<string, string>();
  const stub = await startStub((request) => {
    const { method, path } = request;
    if (method === "GET" && path === "/health/ready") return ready();
    if (method === "GET" && path === "/products") {
      const denied = refused(request, "catalog:read");
      if (denied) return denied;
      const after = request.query.get("after");
      const limit = Number(request.query.get("limit") ?? "100");
      const page = STUB_PRODUCTS.filter((product) => after === null || product.sku > after).slice(
        0,
        limit,
      );
      return { status: 200, body: page.map(withCounters) };
    }
    if (method === "POST" && path === "/orders") {
      if (drops > 0) {
        drops--;
        return "drop";
      }
      const body = request.body as {
        customerId: string;
        lines: { sku: string; quantity: number }[];
      };
      const denied = refused(request, "orders:write", {
        id: body.customerId,
        staffScope: "orders:all",
        mismatch: "customer_mismatch",
      });
      if (denied) return denied;
      const orderId = randomUUID();
      const short = body.lines.filter((line) => line.quantity >= 20);
      if (short.length > 0) {
        const lines = short.map((line) => ({
          sku: line.sku,
          requested: line.quantity,
          available: 2,
        }));
        return {
          status: 409,
          body: {
            error: {
              code: "out_of_stock",
              message: "Not enough stock",
              details: { orderId, lines },
            },
          },
        };
      }
      placed.set(orderId, body.customerId);
      const lines = body.lines.map((line) => ({ ...line, unitPriceCents: 899 }));
      const totalCents = lines.reduce((sum, line) => sum + line.quantity * 899, 0);
      return {
        status: 201,
        body: {
          orderId,
          status: "reserved",
          lines,
          totalCents,
          createdAt: new Date().toISOString(),
        },
      };
    }
    const cancel = /^\/orders\/([^/]+)\/cancel$/.exec(path);
    if (method === "POST" && cancel) {
      const orderId = decodeURIComponent(cancel[1] ?? "");
      const customerId = placed.get(orderId);
      if (customerId === undefined) return refusal(404, "order_not_found");
      const denied = refused(request, "orders:write", {
        id: customerId,
        staffScope: "orders:all",
        notFound: "order_not_found",
      });
      if (denied) return denied;
      return { status: 202, body: { orderId, status: "cancel_requested" } };
    }
    const restock = /^\/products\/([^/]+)\/restock$/.exec(path);
    if (method === "POST" && restock) {
      const denied = refused(request, "catalog:write");
      if (denied) return denied;
      const product = STUB_PRODUCTS.find(
        (item) => item.sku === decodeURIComponent(restock[1] ?? ""),
      );
      if (!product) return { status: 404, body: { error: { code: "product_not_found" } } };
      const { quantity } = request.body as { quantity: number };
      return {
        status: 200,
        body: withCounters({ ...product, available: product.available + quantity }),
      };
    }
    return { status: 404, body: { error: { code: "not_found" } } };
  });
  return { ...stub, placed };
}

function withCounters(product: StubProduct) {
  const now = new Date().toISOString();
  return {
    ...product,
    reserved: 0,
    shipped: 0,
    received: product.available,
    createdAt: now,
    updatedAt: now,
  };
}

export interface MonitoringStubOptions {
  notReadyLooks?: number;
  /** Hold every heartbeat's answer until this promise settles. */
  holdHeartbeats?: Promise<void>;
}

/**
 * Client-monitoring's public API as the load generator uses it: readiness, heartbeats,
 * telemetry, each refusing a token as client-monitoring does (clients:report, as the
 * client app itself).
 */
export async function startMonitoringStub(options: MonitoringStubOptions = {}) {
  const ready = readiness(options.notReadyLooks);
  return startStub(async (request) => {
    const { method, path } = request;
    if (method === "GET" && path === "/health/ready") return ready();
    const heartbeat = /^\/clients\/([^/]+)\/heartbeat$/.exec(path);
    if (method === "POST" && heartbeat) {
      const denied = refused(request, "clients:report", {
        id: decodeURIComponent(heartbeat[1] ?? ""),
        staffScope: "clients:admin",
        mismatch: "client_mismatch",
      });
      if (denied) return denied;
      if (options.holdHeartbeats) await options.holdHeartbeats;
      return { status: 204 };
    }
    if (method === "POST" && path === "/telemetry") {
      const { clientId, events } = request.body as { clientId: string; events: unknown[] };
      const denied = refused(request, "clients:report", {
        id: clientId,
        staffScope: "clients:admin",
        mismatch: "client_mismatch",
      });
      if (denied) return denied;
      return { status: 202, body: { accepted: events.length } };
    }
    return { status: 404, body: { error: { code: "not_found" } } };
  });
}
