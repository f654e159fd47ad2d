// What takes the bytes in a wasm module: function bodies grouped by the Rust module they come
// from, the largest functions, and the data segments. Reads the module's `name` section, so give
// it a build that kept names (wasm-opt -g); the sizes are those of the
// optimized code, which names do not change. No external tool (twiggy is not needed).
// Usage: node scripts/wasm-breakdown.mjs MODULE.wasm [TOP]
import { readFileSync } from "node:fs";

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node scripts/wasm-breakdown.mjs MODULE.wasm [TOP]");
  process.exit(2);
}
const top = Number(topArg ?? 20);
const bytes = readFileSync(file);
let pos = 8;

function leb() {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return result;
  }
}
function name() {
  const len = leb();
  const s = bytes.toString("utf8", pos, pos + len);
  pos += len;
  return s;
}

let importedFunctions = 0;
const bodies = []; // size in bytes of each defined function's body, by index
const names = new Map(); // function index -> name
let dataBytes = 0;
let otherBytes = 0;
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = leb();
  const end = pos + size;
  if (id === 2) {
    // import section: count the imported functions (they come first in the index space)
    for (let n = leb(); n > 0; n--) {
      name();
      name();
      const kind = bytes[pos++];
      if (kind === 0) {
        leb();
        importedFunctions++;
      } else if (kind === 1) {
        pos++;
        const flags = leb();
        leb();
        if (flags & 1) leb();
      } else if (kind === 2) {
        const flags = leb();
        leb();
        if (flags & 1) leb();
      } else if (kind === 3) {
        pos += 2;
      } else {
        break;
      }
    }
    otherBytes += size;
  } else if (id === 10) {
    for (let n = leb(); n > 0; n--) {
      const start = pos;
      const len = leb();
      bodies.push(len + (pos - start));
      pos += len;
    }
  } else if (id === 11) {
    dataBytes += size;
  } else if (id === 0) {
    const section = name();
    if (section === "name") {
      while (pos < end) {
        const sub = bytes[pos++];
        const subSize = leb();
        const subEnd = pos + subSize;
        if (sub === 1) {
          for (let n = leb(); n > 0; n--) {
            const index = leb();
            names.set(index, name());
          }
        }
        pos = subEnd;
      }
    }
  } else {
    otherBytes += size;
  }
  pos = end;
}

/** A legacy-mangled Rust name (`_ZN8pathwise6engine4eval4eval17h…E`) as a path. */
function demangle(fn) {
  const m = /^_ZN(.*)E$/.exec(fn ?? "");
  if (!m) return fn;
  const parts = [];
  let rest = m[1];
  while (rest.length) {
    const len = /^(\d+)/.exec(rest);
    if (!len) break;
    const n = Number(len[1]);
    parts.push(rest.slice(len[1].length, len[1].length + n));
    rest = rest.slice(len[1].length + n);
  }
  return parts
    .join("::")
    .replace(/\$LT\$/g, "<").replace(/\$GT\$/g, ">").replace(/\$u20\$/g, " ").replace(/\$RF\$/g, "&")
    .replace(/\$C\$/g, ",").replace(/\.\./g, "::").replace(/\$u7b\$/g, "{").replace(/\$u7d\$/g, "}");
}

/** The module a function comes from: `pathwise::engine::eval`, `core::fmt`, `curve25519_dalek::backend`… */
function group(fn) {
  if (!fn) return "(unnamed)";
  if (!fn.includes("::")) {
    if (/^pw_/.test(fn)) return "exports (src/web, with what was inlined into them)";
    return "(no path: memcpy, allocator, shims)";
  }
  let s = fn.replace(/^<+/, "").replace(/\[[0-9a-f]+\]/g, "");
  const path = s.split(/::|\s/).filter((p) => /^[a-z_][a-z0-9_]*$/.test(p));
  if (path.length === 0) return "(other)";
  const depth = path[0] === "pathwise" ? 3 : 2;
  return path.slice(0, depth).join("::");
}

const code = bodies.reduce((a, b) => a + b, 0);
const groups = new Map();
const fns = [];
bodies.forEach((size, i) => {
  const fn = demangle(names.get(i + importedFunctions));
  const g = group(fn);
  const entry = groups.get(g) ?? { size: 0, count: 0 };
  entry.size += size;
  entry.count += 1;
  groups.set(g, entry);
  // Crate disambiguators (`pathwise[44e9…]`) and legacy hashes (`::h0123…`) only add noise.
  const shown = (fn ?? `(function ${i + importedFunctions})`).replace(/\[[0-9a-f]+\]/g, "").replace(/::h[0-9a-f]{16}$/, "");
  fns.push([size, shown]);
});
const pct = (n) => ((100 * n) / (code + dataBytes + otherBytes)).toFixed(1).padStart(5);
const kb = (n) => String(n).padStart(8);
console.log(`\nwhat takes the bytes (${file}, names kept; code ${code} B, data ${dataBytes} B, other sections ${otherBytes} B)`);
console.log(`${"bytes".padStart(8)}     %  fns  module`);
for (const [g, { size, count }] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
  console.log(`${kb(size)} ${pct(size)} ${String(count).padStart(4)}  ${g}`);
}
console.log(`${kb(dataBytes)} ${pct(dataBytes)}       data segments (strings, tables)`);
console.log(`\nlargest functions`);
for (const [size, fn] of fns.sort((a, b) => b[0] - a[0]).slice(0, top)) {
  console.log(`${kb(size)} ${pct(size)}  ${fn.length > 110 ? fn.slice(0, 107) + "..." : fn}`);
}
