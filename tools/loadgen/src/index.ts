export { configSchema, type LoadgenConfig, parseConfig } from "./config.js";
export {
  type AppType,
  type ClientIdentity,
  Fleet,
  fleetIdentities,
  telemetryBatch,
  userAgent,
} from "./fleet.js";
export {
  HttpClient,
  type HttpClientOptions,
  type HttpResponse,
  NetworkError,
  type RequestOptions,
  type RetryEvent,
  type RetryPolicy,
  StoppedError,
  waitUntilReady,
} from "./http.js";
export { createLoadgen, type Loadgen, type LoadgenOptions } from "./loadgen.js";
export {
  type OrderBody,
  OrderSimulator,
  type PlannedOrder,
  type Product,
  planOrder,
  randomAddress,
  SUPPORTED_PLACES,
  UNSUPPORTED_PLACES,
} from "./orders.js";
export { createRandom, hashSeed, type Random } from "./random.js";
export { createStats, type LoadgenStats, Scheduler } from "./runtime.js";
export {
  BACK_OFFICE,
  BACK_OFFICE_SCOPES,
  CLIENT_SCOPES,
  CUSTOMER_SCOPES,
  readSigningKey,
  SigningKeyError,
  TokenIssuer,
  type TokenIssuerOptions,
} from "./tokens.js";
