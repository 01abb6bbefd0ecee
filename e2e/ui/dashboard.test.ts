import { copyFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { DASHBOARD_SCOPES } from "@retail/service-kit";
import { useRedisServer } from "@retail/testing";
import { type Browser, chromium, type Page, type Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type System, type SystemUrls, startSystem } from "../src/system.js";

// Debian's package (apt-get install chromium); `.ci/run` installs it the same way.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
const README_SCREENSHOT = fileURLToPath(new URL("../../docs/dashboard.png", import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SAGA = ["order.placed", "shipment.created", "shipment.dispatched", "shipment.delivered"];
const SKU = "MUG-CERAMIC-350";
/** Little stock: an order of 2 makes it low (the harness's threshold is 2). */
const SCARCE_SKU = "TSHIRT-CLASSIC-WHT-M";

/** What the page tells a user without a token to run. */
const TOKEN_COMMAND = "docker compose run --rm retail token --dashboard";
/** Where the page keeps its token (packages/dashboard/public/app.js). */
const TOKEN_KEY = "retail-dashboard-token";
/** The API paths the page calls on client-monitoring and inventory (not its own files). */
const API_PATH = /^\/(events\/stream|stats|alerts|clients|orders|products)(\/|\?|$)/;

/** The few browser globals read inside the page (this project has no DOM types). */
interface PageGlobals {
  innerWidth: number;
  document: { scrollingElement: { scrollWidth: number } | null };
  sessionStorage: { getItem(key: string): string | null };
}

describe("the live dashboard in Chromium", () => {
  const redis = useRedisServer({ persistence: "none" });
  let system: System & { urls: SystemUrls };
  let browser: Browser;
  let page: Page;
  /** The dashboard's token, as `retail token --dashboard` would mint it. */
  let token: string;
  /** Uncaught exceptions and console errors of the page: there must be none. */
  const pageProblems: string[] = [];
  /** Every API request of the page: its URL and the authorization it carried. */
  const apiRequests: Promise<{ url: string; authorization: string | undefined }>[] = [];
  const recordApiRequest = (request: Request) => {
    if (API_PATH.test(new URL(request.url()).pathname))
      apiRequests.push(
        request.allHeaders().then((headers) => ({
          url: request.url(),
          authorization: headers.authorization,
        })),
      );
  };

  beforeAll(async () => {
    system = await startSystem(redis().url, {
      listen: true,
      env: {
        shipping: {
          SHIPPING_DISPATCH_DELAY_MS: "300",
          SHIPPING_DELIVERY_DELAY_MS: "300",
          SHIPPING_TIMER_POLL_MS: "50",
        },
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: DESKTOP, deviceScaleFactor: 1 });
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (error) => pageProblems.push(`uncaught: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") pageProblems.push(`console: ${message.text()}`);
    });
    page.on("request", recordApiRequest);
    token = await system.identity.token("dashboard", DASHBOARD_SCOPES);
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  /** Fill the order form, submit it, and resolve to the id of the order inventory accepted. */
  async function placeOrderFromForm(sku: string, quantity: number, country: string) {
    const previous = await page.locator("#order-result").getAttribute("data-order-id");
    await page.locator("#order-sku").selectOption(sku);
    await page.locator("#order-quantity").fill(String(quantity));
    await page.locator("#order-country").selectOption(country);
    await page.locator("#order-submit").click();
    const result = page.locator(
      previous === null
        ? '#order-result[data-state="ok"]'
        : `#order-result[data-state="ok"]:not([data-order-id="${previous}"])`,
    );
    await result.waitFor();
    expect(await result.textContent()).toContain("reserved");
    const orderId = await result.getAttribute("data-order-id");
    expect(orderId).toMatch(/^[0-9a-f-]{36}$/);
    return orderId as string;
  }

  /** Horizontal overflow of the page, in CSS pixels (0: none). */
  const overflow = () =>
    page.evaluate(() => {
      const { document, innerWidth } = globalThis as unknown as PageGlobals;
      return (document.scrollingElement?.scrollWidth ?? Number.POSITIVE_INFINITY) - innerWidth;
    });

  it("places an order from the form and follows it through the feed and its timeline", async () => {
    for (const [sku, name, priceCents, available] of [
      [SKU, "Ceramic mug, 350 ml", 899, 40],
      [SCARCE_SKU, "Classic cotton T-shirt, white, M", 1999, 3],
    ] as const) {
      const created = await system.inventory.inject({
        method: "PUT",
        url: `/products/${sku}`,
        payload: { name, priceCents, available },
      });
      expect(created.statusCode).toBe(201);
    }
    // Two client apps, so the page has some to show.
    for (const [clientId, app, version] of [
      ["till-berlin-01", "till", "4.2.0"],
      ["web-shop-eu", "web-shop", "2.14.1"],
    ]) {
      const heartbeat = await system.monitoring.inject({
        method: "POST",
        url: `/clients/${clientId}/heartbeat`,
        payload: { app, version },
      });
      expect(heartbeat.statusCode).toBe(204);
    }

    // As `retail token --dashboard` prints it: the token in the fragment.
    await page.goto(`${system.urls.monitoring}/#token=${token}`);
    await page.locator('#connection[data-state="live"]').waitFor();
    // Out of the address bar at once, kept for this tab.
    expect(page.url()).toBe(`${system.urls.monitoring}/`);
    expect(await sessionToken(page)).toBe(token);
    // The product list comes from inventory, across origins (CORS).
    await page.locator(`#order-sku option[value="${SKU}"]`).waitFor({ state: "attached" });

    const feedRow = (orderId: string, type: string) =>
      page.locator(`#feed li[data-order="${orderId}"][data-type="${type}"]`);

    // An order shipping cannot serve: the saga compensates, and the stock ran low.
    const failing = await placeOrderFromForm(SCARCE_SKU, 2, "BR");
    for (const type of ["shipment.failed", "reservation.released", "order.failed"])
      await feedRow(failing, type).waitFor();
    await page.locator('#feed li[data-type="stock.low"]').waitFor();
    await page.locator('#alerts li[data-severity="warning"]').waitFor();

    // The order that makes it. Its events arrive over the live feed (server-sent events).
    const orderId = await placeOrderFromForm(SKU, 2, "DE");
    for (const type of SAGA) await feedRow(orderId, type).waitFor();

    // Clicking one of them shows the order's timeline, hop by hop.
    await feedRow(orderId, "order.placed").click();
    await page.locator(`#timeline[data-order="${orderId}"]`).waitFor();
    for (const type of SAGA) await page.locator(`#timeline li[data-type="${type}"]`).waitFor();
    await page.locator('#timeline-status[data-status="delivered"]').waitFor();
    await expect
      .poll(() =>
        page.locator("#timeline li").evaluateAll((items) => items.map((li) => li.dataset.type)),
      )
      .toEqual(expect.arrayContaining([...SAGA, "reservation.committed", "order.delivered"]));

    // The product list follows the stock: 40 - 2 left.
    await page.locator(`#order-sku option[value="${SKU}"]`, { hasText: "38 left" }).waitFor({
      state: "attached",
    });
    // The topics and their consumer groups, and the numbers above, are filled from /stats.
    await page.locator('#groups li[data-topic="order.placed"]').waitFor();
    await expect.poll(() => page.locator("#kpi-stored").textContent()).toMatch(/^[1-9]/);
    await expect.poll(() => page.locator("#clients li[data-status=online]").count()).toBe(2);

    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-1280.png`, animations: "disabled" });
    // The README's screenshot changes only when asked: `UPDATE_SCREENSHOT=1 pnpm … test:ui`.
    if (process.env.UPDATE_SCREENSHOT === "1") {
      await copyFile(`${ARTIFACTS}dashboard-1280.png`, README_SCREENSHOT);
    }
    await page.screenshot({
      path: `${ARTIFACTS}dashboard-1280-full.png`,
      fullPage: true,
      animations: "disabled",
    });
  });

  it("shows inventory's refusal, read across origins from its error body", async () => {
    await page.locator("#order-sku").selectOption(SKU);
    await page.locator("#order-quantity").fill("50");
    await page.locator("#order-submit").click();
    const refusal = page.locator('#order-result[data-state="bad"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^out_of_stock: .*MUG-CERAMIC-350: 38 left/);
    await page.locator('#feed li[data-type="order.rejected"]').waitFor();
    // Chromium logs every 4xx answer to fetch(); this one was asked for.
    const expected = "console: Failed to load resource: the server responded with a status of 409";
    const others = pageProblems.filter((problem) => !problem.startsWith(expected));
    pageProblems.splice(0, pageProblems.length, ...others);
  });

  it("sent the token on every API call, to client-monitoring and to inventory, and in no URL", async () => {
    const requests = await Promise.all(apiRequests);
    const origins = new Set(requests.map(({ url }) => new URL(url).origin));
    expect(origins).toEqual(new Set([system.urls.monitoring, system.urls.inventory]));
    expect(requests.map(({ url }) => new URL(url).pathname)).toEqual(
      expect.arrayContaining(["/events/stream", "/stats", "/clients", "/alerts", "/products"]),
    );
    for (const { url, authorization } of requests) {
      expect(authorization, url).toBe(`Bearer ${token}`);
      expect(url).not.toContain(token);
    }
  });

  it("keeps its token across a reload of the tab, the fragment gone", async () => {
    await page.reload();
    await page.locator('#connection[data-state="live"]').waitFor();
    expect(page.url()).toBe(`${system.urls.monitoring}/`);
    expect(await page.locator("#signin").isHidden()).toBe(true);
  });

  it("fits a phone's width without scrolling sideways", async () => {
    await page.setViewportSize(PHONE);
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).innerWidth))
      .toBe(PHONE.width);
    expect(await overflow()).toBeLessThanOrEqual(0);
    // One column, the form first, then the timeline, then the feed.
    const top = async (selector: string) => (await page.locator(selector).boundingBox())?.y ?? -1;
    const order = await top("#order-form");
    expect(order).toBeGreaterThan(0);
    expect(await top("#timeline")).toBeGreaterThan(order);
    expect(await top("#feed")).toBeGreaterThan(await top("#timeline"));
    expect(await top("#groups")).toBeGreaterThan(await top("#feed"));
    await page.screenshot({
      path: `${ARTIFACTS}dashboard-phone.png`,
      fullPage: true,
      animations: "disabled",
    });
  });

  it("logged no error in the page", () => {
    expect(pageProblems).toEqual([]);
  });

  /** A page in a fresh browser context (no token kept), and its uncaught exceptions. */
  async function freshPage() {
    const context = await browser.newContext({ viewport: DESKTOP });
    const fresh = await context.newPage();
    fresh.setDefaultTimeout(20_000);
    const uncaught: string[] = [];
    fresh.on("pageerror", (error) => uncaught.push(error.message));
    const requests: string[] = [];
    fresh.on("request", (request) => {
      if (API_PATH.test(new URL(request.url()).pathname)) requests.push(request.url());
    });
    return { page: fresh, uncaught, requests, close: () => context.close() };
  }

  it("without a token, says how to get one and calls no API", async () => {
    const fresh = await freshPage();
    try {
      await fresh.page.goto(`${system.urls.monitoring}/`);
      const signin = fresh.page.locator('#signin[data-reason="missing"]');
      await signin.waitFor();
      expect(await fresh.page.locator("#signin-command").textContent()).toBe(TOKEN_COMMAND);
      expect(await signin.textContent()).toContain("open the URL it prints");
      expect(await fresh.page.locator("#connection").textContent()).toBe("no token");
      expect(fresh.requests).toEqual([]);
      expect(fresh.uncaught).toEqual([]);
      await fresh.page.screenshot({ path: `${ARTIFACTS}dashboard-no-token.png` });
    } finally {
      await fresh.close();
    }
  });

  it("with a token the services refuse, says so, forgets it, and prints the command", async () => {
    const fresh = await freshPage();
    try {
      // Signed by the right key, but for another system's API.
      const foreign = await system.identity.token("dashboard", DASHBOARD_SCOPES, {
        audience: "another-api",
      });
      await fresh.page.goto(`${system.urls.monitoring}/#token=${foreign}`);
      await fresh.page.locator('#signin[data-reason="refused"]').waitFor();
      expect(await fresh.page.locator("#signin-reason").textContent()).toMatch(/refused/);
      expect(await fresh.page.locator("#signin-command").textContent()).toBe(TOKEN_COMMAND);
      expect(fresh.page.url()).toBe(`${system.urls.monitoring}/`);
      await expect.poll(() => sessionToken(fresh.page)).toBeNull();
      expect(fresh.uncaught).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it("with a token that lacks a scope, names it and shows the rest", async () => {
    const fresh = await freshPage();
    try {
      const operator = await system.identity.token("operator", ["ops:read", "catalog:read"]);
      await fresh.page.goto(`${system.urls.monitoring}/#token=${operator}`);
      await fresh.page.locator('#connection[data-state="live"]').waitFor();
      const note = fresh.page.locator("#scope-note");
      await note.waitFor();
      expect(await note.textContent()).toContain("lacks the scope clients:admin");
      await fresh.page.locator('#groups li[data-topic="order.placed"]').waitFor();
      expect(await fresh.page.locator("#signin").isHidden()).toBe(true);
      expect(fresh.uncaught).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});

/** The token the page keeps in its tab's sessionStorage. */
function sessionToken(page: Page): Promise<string | null> {
  return page.evaluate(
    (key) => (globalThis as unknown as PageGlobals).sessionStorage.getItem(key),
    TOKEN_KEY,
  );
}
