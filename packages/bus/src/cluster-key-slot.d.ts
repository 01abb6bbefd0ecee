// cluster-key-slot (the CRC16 ioredis routes with) ships without types.
declare module "cluster-key-slot" {
  /** The Redis Cluster slot (0–16383) of a key, honouring `{hash tags}`. */
  function generate(key: string | Buffer): number;
  /** The slot all keys share, or -1 when they do not share one. */
  export function generateMulti(keys: readonly (string | Buffer)[]): number;
  export default generate;
}
