// The live dashboard: one page, no framework, no CDN. Everything it shows comes
// from client-monitoring (the SSE feed, timelines, stats, clients); the order form
// posts to inventory's HTTP API, the same way any client app would.

const MAX_FEED_ROWS = 200;
const ADDRESSES = {
  DE: { name: "Erika Musterfrau", line1: "Hauptstr. 1", city: "Berlin", postalCode: "10115" },
  FR: { name: "Jeanne Dupont", line1: "1 rue de Rivoli", city: "Paris", postalCode: "75001" },
  NL: { name: "Jan Jansen", line1: "Damrak 1", city: "Amsterdam", postalCode: "1012 LG" },
  GB: { name: "Jane Doe", line1: "1 High Street", city: "London", postalCode: "SW1A 1AA" },
  US: { name: "John Doe", line1: "1 Main St", city: "Springfield", postalCode: "62701" },
  BR: { name: "Maria Silva", line1: "Av. Paulista 1", city: "São Paulo", postalCode: "01310-100" },
};

const $ = (id) => document.getElementById(id);
const state = { selectedOrder: null, orderFilter: "", inventoryUrl: "" };

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "className") node.className = value;
    else if (name.startsWith("data-")) node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function clock(iso) {
  const date = new Date(iso);
  return `${date.toLocaleTimeString([], { hour12: false })}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

function orderIdOf(event) {
  return (
    event.payload?.orderId ?? (event.type.startsWith("order.") ? event.correlationId : undefined)
  );
}

/** The payload fields worth a glance, per kind of event. */
function summary(event) {
  const payload = event.payload ?? {};
  const parts = [];
  for (const field of [
    "status",
    "sku",
    "available",
    "carrier",
    "trackingNumber",
    "reason",
    "clientId",
    "kind",
  ]) {
    if (payload[field] !== undefined) parts.push(`${field} ${payload[field]}`);
  }
  if (Array.isArray(payload.lines)) {
    parts.push(
      payload.lines.map((line) => `${line.quantity ?? line.requested}× ${line.sku}`).join(", "),
    );
  }
  if (payload.totalCents !== undefined) parts.push(`${(payload.totalCents / 100).toFixed(2)} €`);
  return parts.join(" · ");
}

function addToFeed(event) {
  const orderId = orderIdOf(event);
  const detail = element("span", { className: "detail" });
  detail.append(`${event.source} → `);
  if (orderId) detail.append(element("b", {}, `order ${orderId.slice(0, 8)}`), " ");
  detail.append(summary(event));
  const row = element(
    "li",
    { className: "fresh", "data-order": orderId ?? "", "data-correlation": event.correlationId },
    element("span", { className: "time" }, clock(event.occurredAt)),
    element("span", { className: "topic", "data-kind": event.type.split(".")[0] }, event.type),
    detail,
  );
  row.hidden = Boolean(state.orderFilter) && !(orderId ?? "").includes(state.orderFilter);
  row.addEventListener("click", () => showTimeline(orderId ?? event.correlationId));
  const feed = $("feed");
  feed.prepend(row);
  while (feed.children.length > MAX_FEED_ROWS) feed.lastElementChild.remove();
  $("feed-empty").hidden = true;
  if (
    state.selectedOrder &&
    (orderId === state.selectedOrder || event.correlationId === state.selectedOrder)
  ) {
    void showTimeline(state.selectedOrder);
  }
}

async function showTimeline(orderId) {
  state.selectedOrder = orderId;
  $("timeline-order").textContent = `order ${orderId}`;
  const list = $("timeline");
  const response = await fetch(`orders/${encodeURIComponent(orderId)}/timeline`);
  if (!response.ok) {
    list.replaceChildren(element("li", {}, "no events recorded yet for this order"));
    return;
  }
  const timeline = await response.json();
  list.replaceChildren(
    ...timeline.events.map((hop) =>
      element(
        "li",
        { "data-type": hop.type },
        element(
          "span",
          { className: "latency" },
          hop.latencyMs == null ? "start" : `+${hop.latencyMs} ms`,
        ),
        element("span", { className: "topic", "data-kind": hop.type.split(".")[0] }, hop.type),
        element("div", { className: "muted" }, `${hop.source} · ${clock(hop.occurredAt)}`),
      ),
    ),
  );
}

function connectFeed(topics) {
  const source = new EventSource("events/stream");
  const status = $("connection");
  source.onopen = () => {
    status.dataset.state = "live";
    status.textContent = "live";
  };
  source.onerror = () => {
    status.dataset.state = "down";
    status.textContent = "reconnecting…";
  };
  const onEvent = (message) => addToFeed(JSON.parse(message.data));
  source.onmessage = onEvent;
  for (const topic of topics) source.addEventListener(topic, onEvent);
}

async function refreshStats() {
  const response = await fetch("stats");
  if (!response.ok) return [];
  const stats = await response.json();
  const dead = new Map(stats.deadLetters.map((row) => [`${row.topic}|${row.group}`, row.count]));
  $("groups").replaceChildren(
    ...stats.groups.map((row) => {
      const deadLetters = dead.get(`${row.topic}|${row.group}`) ?? 0;
      return element(
        "tr",
        {},
        element("td", {}, row.topic),
        element("td", {}, row.group),
        element("td", { className: `num${row.lag > 10 ? " hot" : ""}` }, String(row.lag ?? "?")),
        element("td", { className: `num${row.pending > 10 ? " hot" : ""}` }, String(row.pending)),
        element("td", { className: `num${deadLetters > 0 ? " bad" : ""}` }, String(deadLetters)),
      );
    }),
  );
  return stats.topics.map((row) => row.topic);
}

async function refreshClients() {
  const response = await fetch("clients");
  if (!response.ok) return;
  const clients = await response.json();
  $("clients").replaceChildren(
    ...clients.map((client) =>
      element(
        "li",
        {},
        element(
          "span",
          {},
          element("span", { className: `dot ${client.status === "online" ? "online" : ""}` }),
          `${client.clientId} `,
          element("span", { className: "muted" }, `${client.app} ${client.version}`),
        ),
        element("span", { className: "muted" }, client.status),
      ),
    ),
  );
}

async function loadProducts() {
  const response = await fetch(`${state.inventoryUrl}/products`);
  const products = response.ok ? await response.json() : [];
  $("order-sku").replaceChildren(
    ...products.map((product) =>
      element(
        "option",
        { value: product.sku },
        `${product.name} — ${(product.priceCents / 100).toFixed(2)} € (${product.available} left)`,
      ),
    ),
  );
}

async function placeOrder(event) {
  event.preventDefault();
  const result = $("order-result");
  const button = $("order-submit");
  button.disabled = true;
  const country = $("order-country").value;
  try {
    const response = await fetch(`${state.inventoryUrl}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        customerId: "dashboard-user",
        lines: [{ sku: $("order-sku").value, quantity: Number($("order-quantity").value) }],
        shippingAddress: { ...ADDRESSES[country], country },
      }),
    });
    const body = await response.json();
    if (response.ok) {
      result.className = "result ok";
      result.textContent = `Order ${body.orderId} ${body.status} — watch it travel.`;
      void showTimeline(body.orderId);
    } else {
      result.className = "result bad";
      result.textContent = `${body.error?.code ?? response.status}: ${body.error?.message ?? "rejected"}`;
    }
  } catch (error) {
    result.className = "result bad";
    result.textContent = `inventory unreachable: ${error.message}`;
  } finally {
    button.disabled = false;
    void loadProducts();
  }
}

async function main() {
  const config = await fetch("config.json")
    .then((response) => (response.ok ? response.json() : {}))
    .catch(() => ({}));
  state.inventoryUrl = config.inventoryUrl ?? `${location.protocol}//${location.hostname}:3001`;
  $("order-form").addEventListener("submit", placeOrder);
  $("order-filter").addEventListener("input", (event) => {
    state.orderFilter = event.target.value.trim();
    for (const row of $("feed").children) {
      row.hidden = Boolean(state.orderFilter) && !row.dataset.order.includes(state.orderFilter);
    }
  });
  const topics = await refreshStats().catch(() => []);
  connectFeed(topics);
  void refreshClients();
  void loadProducts().catch(() => {});
  setInterval(() => void refreshStats().catch(() => {}), 2_000);
  setInterval(() => void refreshClients().catch(() => {}), 3_000);
}

void main();
