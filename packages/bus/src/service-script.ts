import { readFileSync } from "node:fs";
import { LuaScriptError } from "./errors.js";
import { LuaScript } from "./lua-script.js";

const FRAME = readFileSync(new URL("./service-script.lua", import.meta.url), "utf8");
const BODY_MARKER = "-- @body";

/**
 * A service's Lua script, run with `bus.commit`: the file's text becomes the body of
 * the frame in `service-script.lua`, which gives it `spec`, `emit` and
 * `leave_unhandled`. `Result` is what the body returns (sent back as JSON).
 */
export class ServiceScript<Result> {
  /** Only for typing `Result`: a script carries no value of it. */
  declare readonly resultType: Result;

  constructor(readonly lua: LuaScript) {}
}

/**
 * Load a service script from its `.lua` file, next to the code that runs it:
 * `const PLACE_ORDER = defineScript<PlaceReply>(new URL("./place-order.lua", import.meta.url))`.
 * The file is read once, when the module loads (a missing file fails at start, not at
 * the first request). Keep `.lua` files beside their `.ts` in `src/`; the build copies
 * them to `dist/`.
 */
export function defineScript<Result>(file: URL): ServiceScript<Result> {
  return new ServiceScript<Result>(LuaScript.load(file, frame));
}

function frame(body: string): string {
  const at = FRAME.indexOf(BODY_MARKER);
  if (at < 0) throw new LuaScriptError("service-script.lua has lost its body marker", "frame");
  return `${FRAME.slice(0, at)}${body.trimEnd()}\n${FRAME.slice(at + BODY_MARKER.length)}`;
}
