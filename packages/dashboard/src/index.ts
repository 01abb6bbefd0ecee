import { fileURLToPath } from "node:url";

/**
 * The folder with the dashboard's static files (index.html, app.js, style.css).
 * Resolved from this module, so it works from the sources and from `dist/`.
 */
export const dashboardDirectory = fileURLToPath(new URL("../public/", import.meta.url));

export { topicViews } from "./topics.js";
