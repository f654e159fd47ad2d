// A tiny static file server for the end-to-end tests: no dependencies, loopback only.
//
//   /pkg/...            the npm package folder (the repo's pkg/ by default, or an installed copy)
//   /pathwise-entry.js  a one-line module re-exporting the package's "." entry, resolved from the
//                       served package.json `exports` the way a bundler would (browser/import/default)
//   /...                tests/e2e/pages/
//
// HTML pages are templates: `{{name}}` is replaced by the HTML-escaped value of `vars.name`,
// `{{{name}}}` by the raw value (for JSON inside a <script type="application/vnd.pathwise+json">,
// with `</` escaped so it cannot close the element). Unknown names are left in place, so a test
// that forgets a variable fails visibly rather than silently.
//
// Extra response headers for a page come from a sidecar `PAGE.headers.json` ({"Header": "value"})
// or, for any page, from the query flag `?csp=strict` (the strict policy of issue 4, Trusted Types
// enforced). Tests add dynamic routes with `route(path, handler)` (a bundle that changes between
// visits, a request that never answers, ...).
//
// Used as a module (`startServer`) by the tests, or run by hand to look at a page:
//   node tests/e2e/server.mjs [--port N] [--pkg DIR]

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { extname, join, normalize, resolve, sep, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, "../..");
export const PAGES = join(HERE, "pages");

/** The strict policy the CSP tests use: no inline script or style, wasm allowed, TT enforced. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "require-trusted-types-for 'script'; trusted-types 'none'";

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

export function mimeType(path) {
  return MIME[extname(path).toLowerCase()] ?? "application/octet-stream";
}

function escapeHtml(s) {
  return String(s)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** Fills `{{name}}` (escaped) and `{{{name}}}` (raw, `</` escaped) from `vars`. */
export function fillTemplate(text, vars) {
  return text
    .replace(/\{\{\{([A-Za-z0-9_]+)\}\}\}/g, (m, name) =>
      Object.hasOwn(vars, name) ? String(vars[name]).replaceAll("</", "<\\/") : m)
    .replace(/\{\{([A-Za-z0-9_]+)\}\}/g, (m, name) =>
      Object.hasOwn(vars, name) ? escapeHtml(vars[name]) : m);
}

/** The file a package.json `exports["."]` points a browser at, relative to the package folder. */
export function packageEntry(pkgDir) {
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  let entry = manifest.exports?.["."] ?? manifest.exports ?? manifest.module ?? manifest.main;
  // Conditions in the order a browser bundler tries them.
  for (let depth = 0; entry && typeof entry === "object" && depth < 4; depth++) {
    entry = entry.browser ?? entry.import ?? entry.default ?? entry.module;
  }
  if (typeof entry !== "string") throw new Error(`${pkgDir}/package.json: no usable "." export`);
  return entry.replace(/^\.\//, "");
}

/** `base` + the request path, or null when the path escapes `base`. */
function inside(base, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const full = normalize(join(base, decoded));
  return full === base || full.startsWith(base + sep) ? full : null;
}

/**
 * Starts the server on 127.0.0.1, port 0 (or `port`).
 * @param {{pkgDir?: string, pagesDir?: string, vars?: object, port?: number, log?: boolean}} options
 * @returns {Promise<{url: string, vars: object, route: Function, unroute: Function,
 *   requests: Array<{method: string, url: string}>, close: () => Promise<void>}>}
 */
export async function startServer(options = {}) {
  const pkgDir = resolve(options.pkgDir ?? join(REPO, "pkg"));
  const pagesDir = resolve(options.pagesDir ?? PAGES);
  const vars = { ...(options.vars ?? {}) };
  const routes = new Map();
  const requests = [];
  const sockets = new Set();

  async function sendFile(res, file, req, extraHeaders = {}) {
    let info;
    try {
      info = await stat(file);
    } catch {
      return notFound(res);
    }
    if (info.isDirectory()) return sendFile(res, join(file, "index.html"), req, extraHeaders);
    let body = await readFile(file);
    const type = mimeType(file);
    const headers = { "Content-Type": type, "Cache-Control": "no-store", ...extraHeaders };
    if (type.startsWith("text/html")) {
      body = Buffer.from(fillTemplate(body.toString("utf8"), vars));
      try {
        Object.assign(headers, JSON.parse(await readFile(`${file}.headers.json`, "utf8")));
      } catch (e) {
        if (e.code !== "ENOENT") throw e;
      }
      const query = new URL(req.url, "http://x").searchParams;
      if (query.get("csp") === "strict") headers["Content-Security-Policy"] = STRICT_CSP;
    }
    headers["Content-Length"] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  }

  function notFound(res) {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
    res.end("not found\n");
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    requests.push({ method: req.method, url: req.url });
    if (options.log) console.log(`${req.method} ${req.url}`);
    try {
      const handler = routes.get(url.pathname);
      if (handler) return await handler(req, res, url);
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { Allow: "GET, HEAD" });
        return res.end();
      }
      if (url.pathname === "/favicon.ico") {
        res.writeHead(204, { "Cache-Control": "no-store" });
        return res.end();
      }
      if (url.pathname === "/pathwise-entry.js") {
        const body = `export * from "/pkg/${packageEntry(pkgDir)}";\n`;
        res.writeHead(200, { "Content-Type": MIME[".js"], "Cache-Control": "no-store" });
        return res.end(body);
      }
      const [base, rest] = url.pathname.startsWith("/pkg/")
        ? [pkgDir, url.pathname.slice("/pkg".length)]
        : [pagesDir, url.pathname];
      const file = inside(base, rest);
      if (!file) return notFound(res);
      return await sendFile(res, file, req);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(`server error: ${e.message}\n`);
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, "127.0.0.1", ok);
  });
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}`,
    vars,
    requests,
    pkgDir,
    /** Serves `handler(req, res, url)` at exactly `path` (before any file). */
    route(path, handler) {
      routes.set(path, handler);
    },
    /** Serves `body` (string, Buffer or a function returning one per request) at `path`. */
    serve(path, body, type = mimeType(path)) {
      routes.set(path, (req, res) => {
        const value = typeof body === "function" ? body(req) : body;
        res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store" });
        res.end(value);
      });
    },
    /** A route that accepts the request and never answers (until the server closes). */
    hang(path) {
      routes.set(path, () => {});
    },
    unroute(path) {
      routes.delete(path);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}

// Run by hand: serve the pages and the package until interrupted.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const server = await startServer({
    port: opt("--port") ? Number(opt("--port")) : 0,
    pkgDir: opt("--pkg"),
    log: true,
  });
  console.log(`serving ${PAGES} and ${server.pkgDir} at ${server.url}/`);
}
