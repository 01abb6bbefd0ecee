/**
 * Every error the contracts throw, each with a stable `code` (CONTRACTS_ERR_…) that
 * callers can switch on without parsing messages.
 */
export class ContractError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Which rule of a topic definition was broken. */
export type TopicRule = "name" | "version" | "partitions" | "partitionKey";

/** `defineTopic` of a definition that breaks a rule: a bug in the catalog, found at load time. */
export class InvalidTopicError extends ContractError {
  constructor(
    readonly topic: string,
    readonly rule: TopicRule,
    message: string,
  ) {
    super("CONTRACTS_ERR_INVALID_TOPIC", message);
  }
}

/** `defineCatalog` given two topics of the same name. */
export class DuplicateTopicError extends ContractError {
  constructor(readonly topic: string) {
    super("CONTRACTS_ERR_DUPLICATE_TOPIC", `topic "${topic}" is defined twice`);
  }
}

/** `partitionKeyOf` a payload whose partition key field is missing, empty or not a string. */
export class PartitionKeyError extends ContractError {
  constructor(
    readonly topic: string,
    readonly field: string,
  ) {
    super(
      "CONTRACTS_ERR_PARTITION_KEY",
      `topic "${topic}": payload field "${field}" (the partition key) must be a non-empty string`,
    );
  }
}
