// The live dashboard: one page, no framework, no build, no CDN. Everything it shows
// comes from client-monitoring (the SSE feed, timelines, stats, alerts, clients); the
// order form posts to inventory's HTTP API across origins (CORS), as any shop would.
// Every API call carries the bearer token the page was opened with (`#token=…`).

import { readEventStream } from "./sse.js";

const MAX_FEED_ROWS = 200;
const STATS_EVERY_MS = 2_000;
const SIDE_EVERY_MS = 3_000;

const FINAL = new Set(["delivered", "failed", "cancelled", "rejected"]);

const ADDRESSES = {
  DE: { name: "Erika Musterfrau", line1: "Hauptstr. 1", city: "Berlin", postalCode: "10115" },
  FR: { name: "Jeanne Dupont", line1: "1 rue de Rivoli", city: "Paris", postalCode: "75001" },
  NL: { name: "Jan Jansen", line1: "Damrak 1", city: "Amsterdam", postalCode: "1012 LG" },
  GB: { name: "Jane Doe", line1: "1 High Street", city: "London", postalCode: "SW1A 1AA" },
  US: { name: "John Doe", line1: "1 Main St", city: "Springfield", postalCode: "62701" },
  BR: { name: "Maria Silva", line1: "Av. Paulista 1", city: "São Paulo", postalCode: "01310-100" },
};

/** The command that prints the dashboard's URL with a fresh token in its fragment. */
const TOKEN_COMMAND = "docker compose run --rm retail token --dashboard";
/** Where the page keeps its token: this tab only, gone when the tab closes. */
const TOKEN_KEY = "retail-dashboard-token";
/** Reconnection delay of the live feed until the server's `retry:` line says otherwise. */
const DEFAULT_RETRY_MS = 3_000;

const $ = (id) => document.getElementById(id);
const state = {
  token: "",
  /** Set once the token is refused: nothing more is asked of the API. */
  stopped: false,
  retryMs: DEFAULT_RETRY_MS,
  inventoryUrl: "",
  selectedOrder: null,
  orderFilter: "",
  /** Bumped per timeline request: only the newest answer is drawn. */
  timelineRequest: 0,
  timelineTimer: 0,
  productsTimer: 0,
  statsTimer: 0,
  eventsSeen: 0,
  /**
   * How each topic of the catalog shows, from `GET /topics.json` (typed against the
   * catalog in @retail/dashboard's src/topics.ts): its summary, the order status it
   * sets, its saga step, its part in a cancel, the panels it refreshes.
   */
  views: {},
  /** The saga's steps in order, as the progress bar shows them: `[{type, label}]`. */
  steps: [],
};

const money = new Intl.NumberFormat(undefined, { style: "currency", currency: "EUR" });
const number = new Intl.NumberFormat();

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (name === "className") node.className = value;
    else if (name.startsWith("data-") || name.startsWith("aria-")) node.setAttribute(name, value);
    else node[name] = value;
  }
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

function clock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const time = date.toLocaleTimeString([], { hour12: false });
  return `${time}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

function ago(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/** Events per second, as per minute when slower than one a second. */
function rate(perSecond) {
  return perSecond >= 1
    ? `${number.format(Math.round(perSecond * 10) / 10)}/s`
    : `${number.format(Math.round(perSecond * 60))}/min`;
}

function duration(ms) {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const kindOf = (type) => type.split(".")[0];
const shortId = (id) => id.slice(0, 8);

/** JSON of a response, or undefined when it has none. */
async function jsonOf(response) {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

// --------------------------------------------------------------------------- token

/**
 * The token from the URL's fragment (`#token=…`: a fragment never reaches a server, so
 * never a log), kept in sessionStorage for reloads of this tab and taken out of the
 * address bar at once, so it is neither bookmarked nor shared with the URL. Without one
 * in the fragment: the tab's kept token, or "".
 */
function takeToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get("token");
  if (given !== null) {
    fragment.delete("token");
    const rest = fragment.toString();
    history.replaceState(
      history.state,
      "",
      `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`,
    );
  }
  try {
    if (given) sessionStorage.setItem(TOKEN_KEY, given);
    return given || sessionStorage.getItem(TOKEN_KEY) || "";
  } catch {
    // Storage disabled: the token lasts as long as the page.
    return given || "";
  }
}

function forgetToken() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing kept
  }
}

/**
 * Tell the user how to get a token, and stop calling the API: `missing` (none given) or
 * `refused` (expired, or not signed by a key this system trusts).
 */
function needToken(reason) {
  state.stopped = true;
  if (reason === "refused") forgetToken();
  const panel = $("signin");
  panel.hidden = false;
  panel.dataset.reason = reason;
  $("signin-reason").textContent =
    reason === "refused"
      ? "The dashboard's token was refused: it has expired, or this system's services do not trust its key."
      : "The dashboard needs a token: every request to the API carries one.";
  $("signin-command").textContent = TOKEN_COMMAND;
  const status = $("connection");
  status.dataset.state = "down";
  status.textContent = "no token";
}

/** A token that lacks a scope a panel needs: said once, the rest of the page goes on. */
function lacksScope(body) {
  const scope = body?.error?.details?.scope;
  const note = $("scope-note");
  note.hidden = false;
  note.textContent = `This token lacks the scope ${scope ?? "a panel needs"}; mint one with ${TOKEN_COMMAND}.`;
}

/**
 * fetch() with the token; a 401 puts the page in {@link needToken}, a 403 names the
 * missing scope. Resolves to the response either way.
 */
async function api(url, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${state.token}`);
  const response = await fetch(url, { ...init, headers });
  if (response.status === 401) needToken("refused");
  else if (response.status === 403) lacksScope(await jsonOf(response.clone()));
  return response;
}

// ---------------------------------------------------------------------------- feed

/** The order an event belongs to, when it says so. */
function orderIdOf(event) {
  const orderId = event.payload?.orderId;
  return typeof orderId === "string" && orderId !== "" ? orderId : undefined;
}

const itemsOf = (value) => (Array.isArray(value) ? value : []);

const lineList = (lines) =>
  (lines ?? []).map((line) => `${line.quantity ?? line.requested}× ${line.sku}`).join(", ");

/**
 * How a summary placeholder shows its value: `{path:format}`, `text` when none is given.
 * The formats are @retail/contracts' `SUMMARY_FORMATS` (src/topic-view.ts), rendered here
 * in the browser's locale; the dashboard's tests check that none is missing.
 */
const FORMATTERS = {
  text: (value) => (value === undefined || value === null ? "" : String(value)),
  words: (value) => String(value ?? "").replaceAll("_", " "),
  money: (value) => (typeof value === "number" ? money.format(value / 100) : ""),
  lines: (value) => lineList(value),
  shortages: (value) =>
    itemsOf(value)
      .map((line) => `${line.requested}× ${line.sku} (${line.available} left)`)
      .join(", "),
  count: (value) => String(itemsOf(value).length),
  types: (value) => [...new Set(itemsOf(value).map((item) => String(item?.type ?? "")))].join(", "),
  time: (value) => {
    const date = new Date(typeof value === "string" ? value : Number.NaN);
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour12: false });
  },
};

/** The value at a dotted path of a payload (`shippingAddress.country`). */
const valueAt = (payload, path) =>
  path.split(".").reduce((value, name) => (value == null ? undefined : value[name]), payload);

/** One line about what an event says, from its topic's summary template. */
function summary(event) {
  const template = state.views[event.type]?.summary ?? "";
  return template.replace(/\{([\w.]+)(?::(\w+))?\}/g, (_, path, format = "text") =>
    (FORMATTERS[format] ?? FORMATTERS.text)(valueAt(event.payload ?? {}, path)),
  );
}

function addToFeed(event) {
  const orderId = orderIdOf(event);
  const detail = element("span", { className: "detail" });
  if (orderId) detail.append(element("span", { className: "order-chip" }, `#${shortId(orderId)}`));
  detail.append(summary(event));
  const row = element(
    "li",
    {
      className: "fresh",
      "data-type": event.type,
      "data-order": orderId ?? "",
      title: orderId ? `order ${orderId}: show its timeline` : undefined,
    },
    element("time", { className: "time", dateTime: event.occurredAt }, clock(event.occurredAt)),
    element(
      "span",
      { className: "topic", "data-kind": kindOf(event.type) },
      element("span", { className: "source" }, event.source),
      event.type,
    ),
    detail,
  );
  if (orderId) {
    row.classList.add("clickable");
    row.tabIndex = 0;
    row.addEventListener("click", () => selectOrder(orderId));
    row.addEventListener("keydown", (keyEvent) => {
      if (keyEvent.key === "Enter" || keyEvent.key === " ") {
        keyEvent.preventDefault();
        selectOrder(orderId);
      }
    });
    if (orderId === state.selectedOrder) row.classList.add("selected");
  }
  row.hidden = !matchesFilter(orderId);
  const feed = $("feed");
  feed.prepend(row);
  while (feed.children.length > MAX_FEED_ROWS) feed.lastElementChild.remove();
  state.eventsSeen += 1;
  $("feed-count").textContent = number.format(state.eventsSeen);
  $("feed-empty").hidden = true;

  const selected = state.selectedOrder;
  if (selected && (orderId === selected || event.correlationId === selected)) scheduleTimeline();
  const refreshes = state.views[event.type]?.refreshes ?? [];
  if (refreshes.includes("products")) scheduleProducts();
  scheduleStats();
  if (refreshes.includes("alerts")) void refreshAlerts().catch(() => {});
  if (refreshes.includes("clients")) void refreshClients().catch(() => {});
}

const matchesFilter = (orderId) =>
  !state.orderFilter || (orderId ?? "").includes(state.orderFilter);

function setConnection(kind, text) {
  const status = $("connection");
  status.dataset.state = kind;
  status.textContent = text;
}

function onFeedMessage({ event, data }) {
  if (event === "message") return;
  try {
    addToFeed(JSON.parse(data));
  } catch (error) {
    console.warn("unreadable feed event", error);
  }
}

/**
 * The live feed over fetch() streaming (EventSource cannot send the token): read until
 * the stream ends, then connect again after the server's `retry:` delay (or its
 * `Retry-After` when it refused, at a cap), until the token is refused.
 */
async function connectFeed() {
  while (!state.stopped) {
    let waitMs = state.retryMs;
    try {
      const response = await api("events/stream", {
        headers: { accept: "text/event-stream" },
        cache: "no-store",
      });
      if (response.status === 403) {
        // This token may never read the feed: the note says which scope it lacks.
        setConnection("down", "no feed");
        return;
      }
      if (response.ok && response.body) {
        setConnection("live", "live");
        await readEventStream(response.body, {
          onMessage: onFeedMessage,
          onRetry: (ms) => {
            state.retryMs = ms;
          },
        });
      } else {
        const retryAfter = Number(response.headers.get("retry-after"));
        if (retryAfter > 0) waitMs = retryAfter * 1000;
        await response.body?.cancel();
      }
    } catch {
      // the connection dropped: connect again below
    }
    if (state.stopped) return;
    setConnection("down", "reconnecting…");
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

// ------------------------------------------------------------------------ timeline

function selectOrder(orderId, { fetchNow = true } = {}) {
  state.selectedOrder = orderId;
  for (const row of $("feed").children)
    row.classList.toggle("selected", row.dataset.order === orderId);
  $("timeline").dataset.order = orderId;
  $("timeline-order").replaceChildren(
    "order ",
    element("code", { className: "order-id" }, orderId),
  );
  if (fetchNow) void showTimeline(orderId);
  else drawTimeline(orderId, []);
}

/** Coalesce the refreshes of a burst of events into one request. */
function scheduleTimeline() {
  clearTimeout(state.timelineTimer);
  state.timelineTimer = setTimeout(() => {
    if (state.selectedOrder) void showTimeline(state.selectedOrder);
  }, 60);
}

async function showTimeline(orderId) {
  const request = ++state.timelineRequest;
  let events = [];
  try {
    const response = await api(`orders/${encodeURIComponent(orderId)}/timeline`);
    if (response.ok) events = (await response.json()).events ?? [];
  } catch {
    // drawn as "no events yet"; the next event of the order tries again
  }
  if (request !== state.timelineRequest || orderId !== state.selectedOrder) return;
  drawTimeline(orderId, events);
}

function drawTimeline(orderId, events) {
  const list = $("timeline");
  list.dataset.order = orderId;
  const types = new Set(events.map((hop) => hop.type));

  let status = "waiting";
  let cancelAsked = false;
  for (const hop of events) {
    const view = state.views[hop.type];
    status = view?.orderStatus ?? status;
    if (view?.cancel === "asked") cancelAsked = true;
    if (view?.cancel === "answered") cancelAsked = false;
  }
  if (cancelAsked && !FINAL.has(status)) status = "cancel_requested";
  const badge = $("timeline-status");
  badge.hidden = false;
  badge.dataset.status = status;
  badge.textContent = status.replaceAll("_", " ");

  const progress = $("progress");
  progress.hidden = false;
  const failed = status === "failed" || status === "cancelled" || status === "rejected";
  let reached = -1;
  state.steps.forEach((step, index) => {
    if (types.has(step.type)) reached = index;
  });
  for (const [index, item] of [...progress.children].entries()) {
    item.dataset.state =
      index <= reached ? "done" : failed && index === reached + 1 ? "stopped" : "todo";
  }

  if (events.length === 0) {
    list.replaceChildren(element("li", { className: "pending" }, "waiting for the first event…"));
    return;
  }
  const first = Date.parse(events[0].occurredAt);
  const last = Date.parse(events[events.length - 1].occurredAt);
  list.replaceChildren(
    ...events.map((hop) =>
      element(
        "li",
        { "data-type": hop.type, "data-kind": kindOf(hop.type) },
        element("span", { className: "hop-type topic", "data-kind": kindOf(hop.type) }, hop.type),
        element("span", { className: "hop-meta" }, `${hop.source} · ${clock(hop.occurredAt)}`),
        element(
          "span",
          { className: "latency", title: "since the event that caused it" },
          hop.latencyMs == null ? "start" : `+${duration(hop.latencyMs)}`,
        ),
      ),
    ),
  );
  const total = element(
    "li",
    { className: "total" },
    `${events.length} events in ${duration(Math.max(0, last - first))}${FINAL.has(status) ? "" : " so far"}`,
  );
  list.append(total);
}

// ------------------------------------------------------------------ stats & sides

const sum = (rows, pick) => rows.reduce((total, row) => total + (pick(row) ?? 0), 0);

/** Numbers follow the feed: one refresh shortly after a burst of events. */
function scheduleStats() {
  if (state.statsTimer) return;
  state.statsTimer = setTimeout(() => {
    state.statsTimer = 0;
    void refreshStats().catch(() => {});
  }, 400);
}

async function refreshStats() {
  const response = await api("stats");
  if (!response.ok) return;
  const stats = await response.json();
  const dead = new Map(stats.deadLetters.map((row) => [`${row.topic}|${row.group}`, row.count]));

  $("kpi-rate").textContent = number.format(
    Math.round(sum(stats.topics, (row) => row.ratePerSecond) * 10) / 10,
  );
  $("kpi-stored").textContent = number.format(sum(stats.topics, (row) => row.length));
  $("kpi-topics").textContent = `${stats.topics.length} topics`;
  $("kpi-pending").textContent = number.format(sum(stats.groups, (row) => row.pending));
  $("kpi-groups").textContent = `${stats.groups.length} consumer groups`;
  $("kpi-lag").textContent = number.format(sum(stats.groups, (row) => row.lag));
  const deadTotal = sum(stats.deadLetters, (row) => row.count);
  $("kpi-dead").textContent = number.format(deadTotal);
  $("kpi-dead")
    .closest(".kpi")
    .classList.toggle("alarm", deadTotal > 0);

  const groupsOf = new Map();
  for (const group of stats.groups) {
    const list = groupsOf.get(group.topic) ?? [];
    list.push(group);
    groupsOf.set(group.topic, list);
  }
  const topics = [...stats.topics].sort((a, b) => a.topic.localeCompare(b.topic));
  $("groups").replaceChildren(
    ...topics.map((topic) =>
      element(
        "li",
        { "data-topic": topic.topic },
        element("span", { className: "topic", "data-kind": kindOf(topic.topic) }, topic.topic),
        element(
          "span",
          { className: "numbers", title: "events in the stream · handled in the last minute" },
          `${number.format(topic.length)} ${topic.length === 1 ? "event" : "events"}`,
          topic.ratePerSecond > 0
            ? element("span", { className: "rate" }, ` · ${rate(topic.ratePerSecond)}`)
            : undefined,
        ),
        element(
          "span",
          { className: "chips" },
          ...(groupsOf.get(topic.topic) ?? []).map((group) =>
            groupChip(group, dead.get(`${group.topic}|${group.group}`) ?? 0),
          ),
        ),
        mastersOf(topic),
      ),
    ),
  );
}

/** On a Redis Cluster, the master holding each partition stream ("p0 redis-2:6379 · p1 …"). */
function mastersOf(topic) {
  const placed = (topic.partitions ?? []).filter((row) => row.master);
  if (placed.length === 0) return undefined;
  return element(
    "span",
    {
      className: "masters",
      title: placed.map((row) => `${row.stream} is on master ${row.master}`).join("\n"),
    },
    ...placed.map((row) =>
      element(
        "span",
        { className: "master", "data-partition": String(row.partition), "data-master": row.master },
        placed.length > 1 ? `p${row.partition} ${row.master}` : `on ${row.master}`,
      ),
    ),
  );
}

function groupChip(group, deadLetters) {
  const behind = (group.pending ?? 0) + (group.lag ?? 0);
  const lost = group.lost ?? 0;
  const tone = deadLetters > 0 || lost > 0 ? "bad" : behind > 0 ? "warn" : "ok";
  const parts = [group.group];
  if (behind > 0) parts.push(String(behind));
  if (deadLetters > 0) parts.push(`☠ ${deadLetters}`);
  if (lost > 0) parts.push(`✂ ${lost} lost`);
  if (behind === 0 && deadLetters === 0 && lost === 0) parts.push("✓");
  return element(
    "span",
    {
      className: `chip ${tone}`,
      title: `${group.group}: ${group.consumers} consumers, ${group.pending} pending (${group.parked ?? 0} waiting to retry), lag ${group.lag ?? "unknown"}, ${deadLetters} dead letters, ${lost} lost to trimming`,
    },
    parts.join(" "),
  );
}

async function refreshClients() {
  const response = await api("clients?limit=50");
  if (!response.ok) return;
  const clients = await response.json();
  const online = clients.filter((client) => client.status === "online").length;
  $("kpi-clients").textContent = `${online}/${clients.length}`;
  $("clients-empty").hidden = clients.length > 0;
  $("clients").replaceChildren(
    ...clients.map((client) =>
      element(
        "li",
        { "data-status": client.status },
        element("span", { className: "dot", "aria-hidden": "true" }),
        element("span", { className: "client-id" }, client.clientId),
        element("span", { className: "muted" }, `${client.app} ${client.version}`),
        element("span", { className: "muted seen" }, ago(client.lastSeen)),
      ),
    ),
  );
}

async function refreshAlerts() {
  const response = await api("alerts?limit=6");
  if (!response.ok) return;
  const alerts = await response.json();
  $("alerts-empty").hidden = alerts.length > 0;
  $("alerts").replaceChildren(
    ...alerts.map((alert) =>
      element(
        "li",
        { "data-severity": alert.severity },
        element("span", { className: "severity" }, alert.severity),
        element("span", { className: "alert-message" }, alert.message),
        element("time", { className: "muted", dateTime: alert.raisedAt }, ago(alert.raisedAt)),
      ),
    ),
  );
}

// ------------------------------------------------------------------------- orders

function scheduleProducts() {
  clearTimeout(state.productsTimer);
  state.productsTimer = setTimeout(() => void loadProducts(), 250);
}

async function loadProducts() {
  const select = $("order-sku");
  let products;
  try {
    const response = await api(`${state.inventoryUrl}/products?limit=500`);
    products = response.ok ? await response.json() : undefined;
  } catch {
    products = undefined;
  }
  // Refused: the sign-in message says why, not a guess about inventory's address.
  if (state.stopped) return;
  if (!Array.isArray(products) || products.length === 0) {
    select.replaceChildren(
      element(
        "option",
        { value: "" },
        products ? "no products in inventory" : "inventory unreachable",
      ),
    );
    $("order-submit").disabled = true;
    if (!products && ["idle", "warn"].includes($("order-result").dataset.state)) {
      showResult("warn", [
        `Cannot reach inventory at ${state.inventoryUrl}. Is it running, and does its CORS_ORIGINS allow ${location.origin}?`,
      ]);
    }
    return;
  }
  if ($("order-result").dataset.state === "warn") showResult("idle", [IDLE_HINT]);
  const chosen = select.value;
  select.replaceChildren(
    ...products.map((product) =>
      element(
        "option",
        { value: product.sku, disabled: product.available === 0 },
        `${product.name} · ${money.format(product.priceCents / 100)} · ${product.available} left`,
      ),
    ),
  );
  if (products.some((product) => product.sku === chosen)) select.value = chosen;
  $("order-submit").disabled = false;
}

const IDLE_HINT = "Posted to inventory's HTTP API, like any shop would.";

function showResult(kind, text, orderId) {
  const result = $("order-result");
  result.dataset.state = kind;
  if (orderId) result.dataset.orderId = orderId;
  else delete result.dataset.orderId;
  result.replaceChildren(...text);
}

/** The kit's error body as one line: `code: message` plus what its details say. */
function describeError(status, body) {
  const error = body?.error;
  if (!error) return `HTTP ${status}`;
  let text = `${error.code}: ${error.message}`;
  const details = error.details;
  if (Array.isArray(details?.lines))
    text += ` (${details.lines.map((l) => `${l.sku}: ${l.available} left`).join(", ")})`;
  else if (Array.isArray(details?.skus)) text += ` (${details.skus.join(", ")})`;
  else if (Array.isArray(details) && details[0]?.message)
    text += ` (${details.map((d) => `${d.path || d.location}: ${d.message}`).join("; ")})`;
  return text;
}

async function placeOrder(event) {
  event.preventDefault();
  const button = $("order-submit");
  button.disabled = true;
  const country = $("order-country").value;
  const quantity = Number($("order-quantity").value);
  try {
    // No customerId: inventory places the order for the token's subject.
    const response = await api(`${state.inventoryUrl}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        lines: [{ sku: $("order-sku").value, quantity }],
        shippingAddress: { ...ADDRESSES[country], country },
      }),
    });
    const body = await jsonOf(response);
    if (response.ok && body?.orderId) {
      showResult(
        "ok",
        [
          "Order ",
          element("code", { className: "order-id" }, shortId(body.orderId)),
          ` ${body.status} · ${money.format(body.totalCents / 100)}. Watch it travel →`,
        ],
        body.orderId,
      );
      // Its first event is on its way: draw the timeline when it arrives.
      selectOrder(body.orderId, { fetchNow: false });
    } else {
      showResult("bad", [describeError(response.status, body)]);
    }
  } catch (error) {
    showResult("bad", [`inventory unreachable at ${state.inventoryUrl}: ${error.message}`]);
  } finally {
    button.disabled = false;
    void loadProducts();
  }
}

// --------------------------------------------------------------------------- main

async function main() {
  state.token = takeToken();
  if (!state.token) {
    needToken("missing");
    return;
  }
  const config = await fetch("config.json")
    .then((response) => (response.ok ? response.json() : {}))
    .catch(() => ({}));
  state.inventoryUrl = (
    config.inventoryUrl ?? `${location.protocol}//${location.hostname}:3001`
  ).replace(/\/+$/, "");
  state.views = await fetch("topics.json")
    .then((response) => (response.ok ? response.json() : {}))
    .catch(() => ({}));
  state.steps = Object.entries(state.views)
    .filter(([, view]) => view.step)
    .sort(([, a], [, b]) => a.step.position - b.step.position)
    .map(([type, view]) => ({ type, label: view.step.label }));
  $("progress").replaceChildren(
    ...state.steps.map((step) => element("li", { "data-step": step.type }, step.label)),
  );

  $("order-form").addEventListener("submit", placeOrder);
  $("order-filter").addEventListener("input", (event) => {
    state.orderFilter = event.target.value.trim();
    for (const row of $("feed").children) row.hidden = !matchesFilter(row.dataset.order);
  });

  void connectFeed();
  const quietly = (refresh) => () => {
    if (!state.stopped) void refresh().catch(() => {});
  };
  quietly(refreshStats)();
  quietly(refreshClients)();
  quietly(refreshAlerts)();
  quietly(loadProducts)();
  setInterval(quietly(refreshStats), STATS_EVERY_MS);
  setInterval(() => {
    quietly(refreshClients)();
    quietly(refreshAlerts)();
  }, SIDE_EVERY_MS);
}

void main();
