import type { Principal, SseHub, SseReply, SseRequest, SseStream } from "@retail/service-kit";
import { TooManyPrincipalStreamsError } from "./errors.js";

/**
 * How many streams each caller holds open on this instance, at most `max` each. The
 * kit's `SseHub` caps the instance as a whole; this caps every caller within it, so a
 * flood from one token is refused (429) while others still connect. Per instance, like
 * the hub: with n instances behind a load balancer a caller may hold up to n × max.
 * The same as notifications' until the kit has it.
 */
export class StreamQuota {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

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
      throw new TooManyPrincipalStreamsError(undefined, { details: { limit: this.max } });
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

/** Where a route opens its streams: the instance's hub, within each caller's quota. */
export interface CappedStreams {
  hub: SseHub;
  quota: StreamQuota;
}

/**
 * Open a stream for the request's principal: its place in the quota is held until the
 * stream closes. Throws, with nothing sent, when the caller (429) or the instance (503)
 * is at its cap.
 */
export function openCapped(
  { hub, quota }: CappedStreams,
  request: SseRequest & { principal: Principal },
  reply: SseReply,
): SseStream {
  const release = quota.take(request.principal.subject);
  let stream: SseStream;
  try {
    stream = hub.open(request, reply);
  } catch (error) {
    release();
    throw error;
  }
  stream.onClose(release);
  return stream;
}
