import { isScope, type Scope } from "./scopes.js";

/** Who sent a request, from its verified token: the subject and what it may do. */
export interface Principal {
  /** The token's `sub`: a customer id, a client app id, or a staff or machine name. */
  readonly subject: string;
  readonly scopes: ReadonlySet<Scope>;
  has(scope: Scope): boolean;
  /**
   * May act on what belongs to `owner` (a customer, a client app): it is the subject,
   * or the principal holds `staffScope`, which reaches everybody's.
   */
  actsFor(owner: string, staffScope: Scope): boolean;
}

/** A principal with `subject` and the known scopes of `scopes` (unknown ones are ignored). */
export function principal(subject: string, scopes: Iterable<string>): Principal {
  const known = new Set<Scope>();
  for (const scope of scopes) if (isScope(scope)) known.add(scope);
  return {
    subject,
    scopes: known,
    has: (scope) => known.has(scope),
    actsFor: (owner, staffScope) => owner === subject || known.has(staffScope),
  };
}

/** The principal of a request to a public route: nobody, with no scope. */
export const ANONYMOUS: Principal = principal("", []);
