"""Runs the ClickHouse statements of docs/warehouse.md in chDB and checks them against /report.json.

Called by tests/collector_export.rs (the Rust test prepares the store, the exports and the
report):

    python tests/collector_warehouse.py --docs docs/warehouse.md --report report.json \
        --site demo.example --load a.ndjson:JSONEachRow --load b.parquet:Parquet ...

Every ```sql clickhouse-NAME block of the page is taken verbatim: `clickhouse-events` and
`clickhouse-shares` create the tables, `clickhouse-arms`, `clickhouse-lift` and `clickhouse-srm`
are the report's queries. Prints one line per check that failed, then `N passed, N failed`;
exits 1 if any failed.
"""

import argparse
import json
import math
import re
import sys
import tempfile

from chdb import session

Z_95 = 1.959963984540054


def sql_blocks(markdown):
    """The page's ```sql clickhouse-NAME blocks, by NAME."""
    pattern = re.compile(r"^```sql clickhouse-([a-z-]+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
    return {name: body for name, body in pattern.findall(markdown)}


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def equal(self, what, actual, expected):
        if actual == expected:
            self.passed += 1
        else:
            self.failed.append(f"{what}: warehouse {actual!r}, report {expected!r}")

    def close(self, what, actual, expected, tolerance=1e-9):
        if actual is None or expected is None:
            self.equal(what, actual, expected)
            return
        if math.isclose(actual, expected, rel_tol=tolerance, abs_tol=tolerance):
            self.passed += 1
        else:
            self.failed.append(f"{what}: warehouse {actual!r}, report {expected!r}")


def rows(db, sql, site):
    result = db.query(sql, "JSONEachRow", params={"site": site})
    return [json.loads(line) for line in str(result).splitlines() if line.strip()]


def number(value):
    """A JSONEachRow number (ClickHouse may quote 64-bit integers) or None."""
    if value is None:
        return None
    return float(value)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--site", required=True)
    parser.add_argument("--load", action="append", default=[], help="FILE:FORMAT")
    args = parser.parse_args()

    with open(args.docs, encoding="utf-8") as f:
        blocks = sql_blocks(f.read())
    with open(args.report, encoding="utf-8") as f:
        report = json.load(f)
    missing = {"events", "shares", "arms", "lift", "srm"} - set(blocks)
    if missing:
        print(f"docs/warehouse.md lacks the blocks clickhouse-{', clickhouse-'.join(sorted(missing))}")
        print("0 passed, 1 failed")
        return 1

    checks = Checks()
    with tempfile.TemporaryDirectory() as data:
        db = session.Session(data)
        db.query(blocks["events"])
        db.query(blocks["shares"])
        loaded = 0
        for item in args.load:
            path, fmt = item.rsplit(":", 1)
            db.query(f"INSERT INTO pathwise_events SELECT * FROM file('{path}', {fmt})")
            loaded += 1
        raw = int(rows(db, "SELECT count() AS n FROM pathwise_events", args.site)[0]["n"])
        final = int(rows(db, "SELECT count() AS n FROM pathwise_events FINAL", args.site)[0]["n"])
        checks.equal("events in the table, one copy each", final, report["events"])
        if loaded > 1:
            checks.equal("overlapping loads stored duplicates to drop", raw > final, True)

        shares = [
            (report["site"], rule["rule"], arm["arm"], arm["expected_share"])
            for rule in report["rules"]
            for arm in rule["arms"]
            if arm["expected_share"] is not None
        ]
        values = ", ".join(f"('{s}', '{r}', '{a}', {v!r})" for s, r, a, v in shares)
        db.query(f"INSERT INTO pathwise_expected_shares VALUES {values}")

        by_arm = {
            (rule["rule"], arm["arm"]): arm for rule in report["rules"] for arm in rule["arms"]
        }
        counted = rows(db, blocks["arms"], args.site)
        expected_arms = {key for key, arm in by_arm.items() if arm["exposures"] or arm["conversions"]}
        checks.equal("arms with events", {(r["rule"], r["arm"]) for r in counted}, expected_arms)
        for row in counted:
            arm = by_arm.get((row["rule"], row["arm"]))
            if arm is None:
                continue
            what = f"{row['rule']}/{row['arm']}"
            checks.equal(f"{what} exposures", int(row["exposures"]), arm["exposures"])
            checks.equal(f"{what} conversions", int(row["conversions"]), arm["conversions"])
            checks.close(f"{what} rate", number(row["rate"]), arm["rate"])
            low, high = arm["rate_ci95"] or (None, None)
            checks.close(f"{what} rate low", number(row["rate_low"]), low)
            checks.close(f"{what} rate high", number(row["rate_high"]), high)

        lifts = rows(db, blocks["lift"], args.site)
        expected_lifts = {
            key for key, arm in by_arm.items() if not arm["control"] and arm["exposures"]
        }
        checks.equal("variants with a lift row", {(r["rule"], r["arm"]) for r in lifts}, expected_lifts)
        for row in lifts:
            arm = by_arm.get((row["rule"], row["arm"]))
            if arm is None:
                continue
            what = f"{row['rule']}/{row['arm']} lift"
            lift = arm["lift"]
            checks.close(what, number(row["lift"]), lift["estimate"])
            low, high = lift["ci95"] or (None, None)
            checks.close(f"{what} low", number(row["lift_low"]), low)
            checks.close(f"{what} high", number(row["lift_high"]), high)

        srm = {r["rule"]: r for r in rows(db, blocks["srm"], args.site)}
        for rule in report["rules"]:
            if not rule["in_bundle"]:
                continue
            row = srm.get(rule["rule"])
            what = f"{rule['rule']} sample ratio"
            if row is None:
                checks.equal(what, None, rule["srm"]["status"])
                continue
            checks.equal(f"{what} status", row["status"], rule["srm"]["status"])
            checks.close(f"{what} chi-square", number(row["chi_square"]), rule["srm"]["chi_square"])
            df = row["df"]
            checks.equal(f"{what} df", None if df is None else int(df), rule["srm"]["df"])

    for failure in checks.failed:
        print(failure)
    print(f"{checks.passed} passed, {len(checks.failed)} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
