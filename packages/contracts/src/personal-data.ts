import type { TopicDefinition } from "./topic.js";

/** What a masked personal field reads: valid for every text field it replaces. */
export const PERSONAL_DATA_MASK = "***";

/**
 * A copy of `payload` with the topic's `personalData` fields masked, for a viewer
 * without `pii:read`. The payload itself is not changed; a topic without personal data
 * gives the payload back as is.
 */
export function maskPersonalData<T>(topic: Pick<TopicDefinition, "personalData">, payload: T): T {
  const paths = topic.personalData ?? [];
  return paths.length === 0 ? payload : maskPaths(payload, paths);
}

/** A copy of `value` with the string at each dotted path replaced by the mask. */
export function maskPaths<T>(value: T, paths: readonly string[]): T {
  const copy = structuredClone(value);
  for (const path of paths) {
    const parts = path.split(".");
    const last = parts.pop() as string;
    let parent: unknown = copy;
    for (const part of parts) parent = (parent as Record<string, unknown> | undefined)?.[part];
    if (
      typeof parent === "object" &&
      parent !== null &&
      typeof (parent as Record<string, unknown>)[last] === "string"
    )
      (parent as Record<string, unknown>)[last] = PERSONAL_DATA_MASK;
  }
  return copy;
}
