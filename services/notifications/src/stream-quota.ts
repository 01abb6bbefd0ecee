import { TooManyPrincipalStreamsError } from "./errors.js";

/**
 * How many streams each caller holds open on this instance, at most `max` each. The
 * kit's `SseHub` caps the instance as a whole; this caps every caller within it, so a
 * flood from one token is refused (429) while others still connect. Per instance, like
 * the hub: with n instances behind the gateway a caller may hold up to n × max.
 */
export class StreamQuota {
  private readonly max: number;
  private readonly open = new Map<string, number>();

  constructor(max: number) {
    this.max = max;
  }

  /** Streams `subject` holds open now. */
  held(subject: string): number {
    return this.open.get(subject) ?? 0;
  }

  /**
   * Take one of `subject`'s places, or throw {@link TooManyPrincipalStreamsError} when it
   * holds them all. Returns the place's release, which frees it once however often
   * it is called (a stream's close and a failed open may both call it).
   */
  take(subject: string): () => void {
    const held = this.held(subject);
    if (held >= this.max)
      throw new TooManyPrincipalStreamsError(undefined, {
        details: { limit: this.max },
      });
    this.open.set(subject, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.held(subject) - 1;
      // Dropped at zero, so subjects that came and went leave nothing behind.
      if (left > 0) this.open.set(subject, left);
      else this.open.delete(subject);
    };
  }
}
