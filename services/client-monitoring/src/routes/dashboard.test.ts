import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { topicNames } from "@retail/contracts";
import { dashboardDirectory, topicViews } from "@retail/dashboard";
import { baseConfigSchema, loadConfig } from "@retail/service-kit";
import { describe, expect, it } from "vitest";
import { expectError, useMonitoring } from "../../test/harness.js";
import { configSchema } from "../config.js";

describe("the dashboard", () => {
  const monitoring = useMonitoring();

  it("serves the page at / as HTML, the same file as /index.html", async () => {
    const { app } = await monitoring.instance({}, { start: false });
    const page = await app.inject({ url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toBe(await readFile(join(dashboardDirectory, "index.html"), "utf8"));
    expect(page.body).toContain('<script type="module" src="app.js"></script>');
    const index = await app.inject({ url: "/index.html" });
    expect(index.statusCode).toBe(200);
    expect(index.body).toBe(page.body);
  });

  it("serves its script, style sheet and icon with their content types", async () => {
    const { app } = await monitoring.instance({}, { start: false });
    const expected: [string, RegExp][] = [
      ["/app.js", /^(text|application)\/javascript/],
      ["/style.css", /^text\/css/],
      ["/favicon.svg", /^image\/svg\+xml/],
    ];
    for (const [url, contentType] of expected) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["content-type"], url).toMatch(contentType);
      expect(response.headers["x-content-type-options"], url).toBe("nosniff");
      expect(response.headers.etag, url).toEqual(expect.any(String));
    }
    const head = await app.inject({ method: "HEAD", url: "/app.js" });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe("");
  });

  it("answers /config.json with where inventory is for a browser", async () => {
    const { app } = await monitoring.instance(
      { INVENTORY_PUBLIC_URL: "https://inventory.shop.example.com/" },
      { start: false },
    );
    const response = await app.inject({ url: "/config.json" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.json()).toEqual({ inventoryUrl: "https://inventory.shop.example.com" });

    const { app: byDefault } = await monitoring.instance({}, { start: false });
    expect((await byDefault.inject({ url: "/config.json" })).json()).toEqual({
      inventoryUrl: "http://localhost:3001",
    });
  });

  it("answers /topics.json with how the page shows each topic of the catalog", async () => {
    const { app } = await monitoring.instance({}, { start: false });
    const response = await app.inject({ url: "/topics.json" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.json()).toEqual(topicViews);
    expect(Object.keys(response.json()).sort()).toEqual([...topicNames].sort());
  });

  it("leaves the API routes alone, and other paths to the kit's 404 error body", async () => {
    const { app } = await monitoring.instance({}, { start: false });
    expect((await app.inject({ url: "/clients" })).json()).toEqual([]);
    expect((await app.inject({ url: "/stats" })).statusCode).toBe(200);
    expect((await app.inject({ url: "/docs/json" })).statusCode).toBe(200);
    for (const url of [
      "/nope.js",
      "/public/app.js",
      "/app.js/x",
      "/../package.json",
      "/%2e%2e/package.json",
      "/.env",
    ]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, url).toBeLessThan(500);
      expect(response.headers["content-type"], url).toMatch(/^application\/json/);
    }
    expectError(await app.inject({ url: "/nope.js" }), 404, "not_found");
    expectError(await app.inject({ method: "POST", url: "/app.js" }), 404, "not_found");
  });

  it("keeps the page's routes out of the OpenAPI document", async () => {
    const { app } = await monitoring.instance({}, { start: false });
    const document = (await app.inject({ url: "/docs/json" })).json();
    const paths = Object.keys(document.paths);
    for (const path of [
      "/",
      "/index.html",
      "/app.js",
      "/style.css",
      "/favicon.svg",
      "/config.json",
    ])
      expect(paths).not.toContain(path);
  });

  it("serves the page to a browser over real HTTP", async () => {
    const instance = await monitoring.instance({}, { start: false });
    const base = await instance.url();
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<title>/);
  });
});

describe("INVENTORY_PUBLIC_URL", () => {
  const schema = baseConfigSchema.extend(configSchema.shape);
  const read = (value?: string) =>
    loadConfig(schema, value === undefined ? {} : { INVENTORY_PUBLIC_URL: value })
      .INVENTORY_PUBLIC_URL;

  it("defaults to http://localhost:3001 and drops trailing slashes", () => {
    expect(read()).toBe("http://localhost:3001");
    expect(read("http://inventory.local:8080//")).toBe("http://inventory.local:8080");
    expect(read("https://shop.example.com/inventory/")).toBe("https://shop.example.com/inventory");
  });

  it("must be an http or https URL", () => {
    for (const bad of ["inventory:3001", "redis://localhost:6379", ""])
      expect(() => read(bad)).toThrow(/INVENTORY_PUBLIC_URL: must be an http/);
  });
});
