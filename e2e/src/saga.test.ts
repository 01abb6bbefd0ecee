import { useRedisServer } from "@retail/testing";
import { describeSaga } from "./saga-scenarios.js";

// The same scenarios on a Redis Cluster: saga.cluster.test.ts.
const redis = useRedisServer();
describeSaga("a single Redis server", () => redis().url);
