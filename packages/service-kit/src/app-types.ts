import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { FastifyPluginAsyncZod, ZodTypeProvider } from "fastify-type-provider-zod";

/** The Fastify instance the kit builds: zod schemas type requests and replies. */
export type KitApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** A service's routes: an async Fastify plugin whose schemas are zod schemas. */
export type RoutesPlugin = FastifyPluginAsyncZod;
