import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

function captured() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe("createLogger", () => {
  it("writes JSON lines with the service name", () => {
    const { lines, destination } = captured();
    createLogger({ name: "shipping", destination }).info({ shipmentId: "s-1" }, "dispatched");
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      name: "shipping",
      level: 30,
      shipmentId: "s-1",
      msg: "dispatched",
    });
  });

  it("redacts credentials in headers and secret-looking fields", () => {
    const { lines, destination } = captured();
    createLogger({ name: "inventory", destination }).info(
      {
        req: { headers: { authorization: "Bearer abc", cookie: "sid=xyz", accept: "*/*" } },
        password: "hunter2",
        user: { token: "t0k3n", name: "ada" },
      },
      "login",
    );
    const line = JSON.parse(lines[0] ?? "");
    expect(line.req.headers).toEqual({
      authorization: "[redacted]",
      cookie: "[redacted]",
      accept: "*/*",
    });
    expect(line.password).toBe("[redacted]");
    expect(line.user).toEqual({ token: "[redacted]", name: "ada" });
  });

  it("honours the level", () => {
    const { lines, destination } = captured();
    const logger = createLogger({ name: "x", level: "warn", destination });
    logger.info("hidden");
    logger.warn("shown");
    expect(lines).toHaveLength(1);
  });

  it("writes human-readable lines instead of JSON in pretty mode", () => {
    const { lines, destination } = captured();
    createLogger({ name: "monitoring", pretty: true, destination }).info("hello there");
    const output = lines.join("");
    expect(output).toContain("hello there");
    expect(output).toContain("INFO");
    expect(() => JSON.parse(output)).toThrow();
  });
});
