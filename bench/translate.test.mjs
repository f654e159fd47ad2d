// The regex translation is exact: for every pattern the workload generator uses, the Pathwise
// condition holds exactly when JavaScript's RegExp matches, on the generator's own values and on
// near misses; patterns outside the supported subset fail loudly. Runs in `make test`
// (`test-bench`); pure JavaScript, no wasm: the condition is evaluated here by a small
// model of the SDK's operators, and the end-to-end check through the wasm build is in
// agreement.test.mjs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { expandRegex, globEscape, regexToCondition } from "./translate.mjs";
// Every pattern the generator draws from.
import { PAGE_PATTERNS, URL_PATTERNS } from "./workload.mjs";

// A model of the SDK's operators on strings (src/condition/eval.rs, src/pattern.rs).
function glob(pattern, text) {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") re += (pattern[++i] ?? "\\").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    else if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(re + "$").test(text);
}
function holds(cond, value) {
  if (cond.any) return cond.any.some((c) => holds(c, value));
  const { op, value: v } = cond.signal;
  const one = (s) => ({
    eq: () => s === v,
    in: () => v.includes(s),
    contains: () => (Array.isArray(value) ? s === v : s.includes(v)),
    starts_with: () => s.startsWith(v),
    matches: () => glob(v, s),
  })[op]();
  return Array.isArray(value) ? value.some(one) : one(value);
}

const HOSTS = ["https://app.example.com", "https://www.example.com", "http://app.example.com", "https://appxexample.com"];
const PATHS = ["/", "/pricing", "/billing", "/docs", "/docs/api", "/docsx", "/docs?x=1", "/dashboard", "/reports/1",
  "/team", "/teams", "/settings", "/settings/profile", "/blog", "/blog/launch", "/a/docs", "/pricingx"];
const QUERIES = ["", "?utm_source=google", "?a=1&utm_source=newsletter", "?utm_source=googlex", "&utm_source=google",
  "?ref=friend", "?x=1&ref=a", "?ref=", "?ref=1", "?ref=Z", "?xref=abc", "?utm_source=twitter&ref=ads"];

test("URL regexes translate exactly (string signal)", () => {
  for (const pattern of URL_PATTERNS) {
    const cond = regexToCondition("url", pattern, false);
    const re = new RegExp(pattern);
    for (const h of HOSTS) for (const p of PATHS) for (const q of QUERIES) {
      const url = h + p + q;
      assert.equal(holds(cond, url), re.test(url), `${pattern} on ${url}`);
    }
  }
});

test("page regexes translate exactly (list signal: any element)", () => {
  for (const pattern of PAGE_PATTERNS) {
    const cond = regexToCondition("pagesVisited", pattern, true);
    const re = new RegExp(pattern);
    for (const a of PATHS) for (const b of [undefined, ...PATHS]) {
      const list = b === undefined ? [a] : [a, b];
      assert.equal(holds(cond, list), list.some((x) => re.test(x)), `${pattern} on ${JSON.stringify(list)}`);
    }
    assert.equal(holds(cond, []), false);
  }
});

test("the expansion is what the pattern means", () => {
  assert.deepEqual(expandRegex("/docs(/|$|\\?)"), [
    { start: false, end: false, text: "/docs/" },
    { start: false, end: true, text: "/docs" },
    { start: false, end: false, text: "/docs?" },
  ]);
  assert.equal(expandRegex("[?&]ref=[a-z]+").length, 52);
  assert.equal(globEscape("a*b?c\\"), "a\\*b\\?c\\\\");
});

test("patterns outside the subset fail loudly", () => {
  for (const p of ["a.b", "a*", "(?:x)", "[^a]", "\\d", "a{2}", "(a|b)+c", "a$b", "x+y", "a|b"]) {
    assert.throws(() => expandRegex(p), /cannot translate regex/, p);
  }
});
