import { randomBytes } from "node:crypto";
import { access, chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DevSigningKey } from "@retail/service-kit";
import { CliError, ExitCode } from "./errors.js";
import { jsonDocument } from "./format.js";
import type { CommandContext } from "./io.js";

/** Where the demo's signing key lives: compose mounts its `auth-keys` volume here. */
export const DEFAULT_KEYS_DIR = "/keys";

/** `--keys`, else AUTH_KEYS_DIR, else /keys. */
export function keysDirFrom(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return option ?? (env.AUTH_KEYS_DIR || undefined) ?? DEFAULT_KEYS_DIR;
}

/**
 * The service kit, loaded when a command needs a key: it brings Fastify and
 * OpenTelemetry along, which the Redis commands should not wait for.
 */
export function serviceKit() {
  return import("@retail/service-kit");
}

/**
 * The signing key already in `directory`. Never creates one: a key the services do not
 * know would only mint tokens they refuse.
 *
 * @throws {CliError} exit code 1, saying how to create the key, when there is none
 */
export async function readSigningKey(directory: string): Promise<DevSigningKey> {
  const kit = await serviceKit();
  const file = join(directory, kit.SIGNING_KEY_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new CliError(
        ExitCode.failure,
        `no signing key in ${directory}: create one with "retail keys init --dir ${directory}" ` +
          '(compose\'s auth-keys service does on "docker compose up"), or point --keys / AUTH_KEYS_DIR at it',
      );
    throw new CliError(ExitCode.failure, `cannot read the signing key ${file}: ${code ?? error}`);
  }
  try {
    return await kit.devSigningKeyFrom(JSON.parse(text));
  } catch (error) {
    throw new CliError(
      ExitCode.failure,
      `${file} holds no usable signing key: ${(error as Error).message}`,
    );
  }
}

export interface KeysInitOptions {
  dir?: string;
  jwksDir?: string;
  json?: boolean;
}

export interface KeysInitResult {
  keyId: string;
  /** False when the directory held a key already (kept as it was). */
  created: boolean;
  signingKeyFile: string;
  /** Every public key set written: the key directory's, and `--jwks-dir`'s. */
  jwksFiles: string[];
}

/**
 * `retail keys init [--dir D] [--jwks-dir P]`: the demo's key pair in D, created once
 * and kept after that (tokens minted earlier stay valid). `--jwks-dir` also puts the
 * public key set alone in P, for services that must not see the private key.
 */
export async function keysInitCommand(
  context: CommandContext,
  options: KeysInitOptions,
): Promise<void> {
  const kit = await serviceKit();
  const directory = keysDirFrom(options.dir, context.io.env);
  const signingKeyFile = join(directory, kit.SIGNING_KEY_FILE);
  const existed = await access(signingKeyFile).then(
    () => true,
    () => false,
  );
  let key: DevSigningKey;
  try {
    key = await kit.devSigningKeyIn(directory);
  } catch (error) {
    throw fileError(`cannot create the key pair in ${directory}`, error);
  }
  const jwksFiles = [join(directory, kit.JWKS_FILE)];
  if (options.jwksDir !== undefined) {
    const file = join(options.jwksDir, kit.JWKS_FILE);
    try {
      await mkdir(options.jwksDir, { recursive: true });
      await writeAtomically(file, JSON.stringify(key.jwks));
    } catch (error) {
      throw fileError(`cannot write the public key set to ${options.jwksDir}`, error);
    }
    jwksFiles.push(file);
  }
  const result: KeysInitResult = {
    keyId: String(key.jwks.keys[0]?.kid ?? ""),
    created: !existed,
    signingKeyFile,
    jwksFiles,
  };
  if (options.json) {
    context.io.out(jsonDocument(result));
    return;
  }
  context.io.out(
    `${result.created ? "created" : "kept"} signing key ${result.keyId} in ${signingKeyFile} (private: keep it to the token issuer)\n` +
      `public key set for the services (AUTH_JWKS_FILE): ${jwksFiles.join(", ")}\n`,
  );
}

function fileError(what: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new CliError(ExitCode.failure, `${what}: ${code}`);
}

/** Readers never see half a file, also when a service starts while it is written. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, text, { mode: 0o644 });
  await chmod(temporary, 0o644);
  await rename(temporary, file);
}
