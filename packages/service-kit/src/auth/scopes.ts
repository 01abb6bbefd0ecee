/**
 * Every scope a route may require, in one place. A token carries its scopes in the
 * `scope` claim (space-separated, as in OAuth 2.0); a route declares the one it needs
 * (`config: { scope: "orders:write" }`), and the kit refuses a route that declares none.
 */
export const SCOPES = {
  "catalog:read": "Read products and their stock",
  "catalog:write": "Create, change and restock products",
  "orders:write": "Place and cancel orders: a customer's own, or any with orders:all",
  "orders:read": "Read orders and notifications: a customer's own, or any with orders:all",
  "orders:all": "Staff: act on any customer's orders, not only the subject's own",
  "shipping:operate": "Read shipments and record what the carrier reports",
  "clients:report": "A client app: heartbeats, telemetry and its own message stream, as itself",
  "clients:admin": "Read every client app, send direct messages, act as any client",
  "pii:read": "See customers' names and addresses instead of masks",
  "ops:read": "Read operations data: stats, alerts, timelines, the live feed, metrics, API docs",
} as const;

export type Scope = keyof typeof SCOPES;

export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

/**
 * What the dashboard page needs (`retail token --dashboard` grants it): the live feed,
 * timelines, stats and alerts, names and addresses in clear, the client apps, and its
 * order form (which reads the catalog and places orders for any customer).
 */
export const DASHBOARD_SCOPES: readonly Scope[] = [
  "ops:read",
  "pii:read",
  "clients:admin",
  "orders:read",
  "orders:all",
  "orders:write",
  "catalog:read",
];

export function isScope(name: string): name is Scope {
  return Object.hasOwn(SCOPES, name);
}
