import { compose, waitForHealthyStack } from "./stack.js";

/**
 * One stack for every file of the compose suite: started once, removed once, also when
 * a test failed. Back-to-back stacks would race Docker, which frees a published port
 * a moment after `down` returns ("port is already allocated").
 */
export async function setup(): Promise<() => Promise<void>> {
  const down = async () => {
    // nothing of the stack may outlive the run
    await compose("down", "-v", "--remove-orphans");
  };
  try {
    await compose("up", "-d");
    await waitForHealthyStack(180_000);
  } catch (error) {
    await down();
    throw error;
  }
  return down;
}
