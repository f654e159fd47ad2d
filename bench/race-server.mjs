// The static server of the browser measurements: the pages the driver registers, the package's
// files under /pkg/, GrowthBook's script-tag drop-in under /gb/ and the bench's own browser
// module under /bench/. Every response is sent gzip-compressed (Content-Encoding: gzip, level 9,
// compressed once and kept, as a server with precompressed files does) with
// `Cache-Control: no-store`; the transfer sizes the driver counts are these bytes.

import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { GB_AUTO, GB_PKG, PKG, requireFile } from "./lib.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

/** Files served by prefix: URL prefix -> folder, and the files allowed there (nothing else). */
const FOLDERS = {
  "/pkg/": { dir: PKG, files: ["auto.js", "auto-sync.js", "index.js", "sync.js", "verifier.js", "pathwise.css"] },
  "/gb/": { dir: dirname(join(GB_PKG, GB_AUTO)), files: ["auto.min.js"] },
  "/bench/": { dir: HERE, files: ["verify-cases.mjs"] },
};

export async function startServer() {
  const cache = new Map(); // path -> { body (gzip), type, headers }
  const entry = (body, type, headers = {}) => ({ body: gzipSync(Buffer.from(body), { level: 9 }), type, headers });

  function lookup(path) {
    if (cache.has(path)) return cache.get(path);
    for (const [prefix, { dir, files }] of Object.entries(FOLDERS)) {
      const name = path.startsWith(prefix) ? normalize(path.slice(prefix.length)) : null;
      if (name && files.includes(name)) {
        const file = requireFile(join(dir, name), "run `make pkg` (and `make bench` for GrowthBook)");
        const e = entry(readFileSync(file), TYPES[extname(name)]);
        cache.set(path, e);
        return e;
      }
    }
    return null;
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const e = lookup(path);
    if (!e) {
      res.writeHead(404, { "Content-Type": "text/plain", "Cache-Control": "no-store" });
      res.end("not found");
      return;
    }
    if (!/\bgzip\b/.test(req.headers["accept-encoding"] ?? "")) {
      res.writeHead(406, { "Content-Type": "text/plain", "Cache-Control": "no-store" });
      res.end("this server sends gzip only");
      return;
    }
    res.writeHead(200, {
      "Content-Type": e.type,
      "Content-Encoding": "gzip",
      "Content-Length": e.body.length,
      "Cache-Control": "no-store",
      ...e.headers,
    });
    res.end(e.body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** Serves `html` at `path` (with extra response `headers`). */
    page(path, html, headers) {
      cache.set(path, entry(html, TYPES[".html"], headers));
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
