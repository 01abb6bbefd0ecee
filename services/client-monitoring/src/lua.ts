// The bus's EVALSHA-with-NOSCRIPT-fallback helper, under the name this service uses.
import { Script as LuaScript } from "@retail/bus";

export { LuaScript };
