// The paging benchmark's code paths (bench/paging.ts, run for real by `npm run bench`), compressed:
// one target of each kind (an app, a Redis server, an http and a tcp probe stand-in, a namespace
// fleet host) at timeScale 5 (at 15 the 1 s floors would leave no blip silent), in one run. Each
// blip stays silent, each hard outage notifies within 1.5 × its bound at the rehearsed clock, and
// the report says which clock it ran on. The fleet host needs root (CI has it): without, HostDown
// is reported as not measured and its test is skipped locally.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { before, test } from "node:test";
import { benchPaging, pagingMarkdown, promiseKept, type PagingBenchResult } from "../../bench/paging";
import { durationMs } from "../../config/units";
import { defaultPaging } from "../../model/paging";
import { rehearsalBinaries } from "../../rehearsal/harness";
import { namespacesAvailable } from "../../rehearsal/netns";
import { relativeSlack } from "../rehearsalSupport";
import { prerequisiteMissing, type Skippable } from "../externalTools";

const timeScale = 5;
const blipsS = [5, 15, 25];
const missing = Object.keys(rehearsalBinaries).filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0);
let result: PagingBenchResult | undefined;

before(async () => {
    if (missing.length > 0) return;
    result = await benchPaging({ timeScale, targets: 1, blipsS, log: (line) => console.log(line) });
    console.log(pagingMarkdown(result));
});

function ran(t: Skippable): PagingBenchResult | undefined {
    if (missing.length > 0) {
        prerequisiteMissing(t, `the paging bench needs ${missing.join(", ")}`);
        return undefined;
    }
    assert.ok(result, "the paging bench did not run");
    return result;
}

/** Blips of each length page nobody, and each run notifies within the slack of the rehearsed bound. */
function assertKept(res: PagingBenchResult, alert: string, runs: number, boundMs: number): void {
    assert.deepEqual(res.blips.filter((b) => b.alert === alert).map((b) => [b.blipS, b.blips, b.pages]), blipsS.map((s) => [s, runs, 0]), `${alert}: blips`);
    const outage = res.outages.find((o) => o.alert === alert);
    assert.ok(outage, `${alert} measured`);
    assert.equal(outage.boundMs, boundMs, `${alert}: bound at the default prod intervals`);
    assert.ok(outage.boundMs <= res.pageWithinMs, `${alert}: bound within pageWithin`);
    assert.equal(outage.measuredMs.length, runs);
    for (const m of outage.measuredMs) {
        assert.ok(m !== undefined, `${alert} never notified`);
        assert.ok(m / timeScale <= relativeSlack * outage.rehearsedBoundMs, `${alert}: ${m / timeScale} ms > ${relativeSlack} × ${outage.rehearsedBoundMs} ms`);
    }
}

test("bench/paging: blips of 5, 15 and 25 s (scaled) of an app, Redis, an http and a tcp probe page nobody; their hard outages notify within the bound", (t) => {
    const res = ran(t);
    if (!res) return;
    // 58 s: 5 s scrape + 3 s timeout + 5 s evaluation + 40 s for + 5 s group_wait (model/paging.ts).
    assertKept(res, "TargetDown", 1, 58_000);
    assertKept(res, "RedisDown", 1, 58_000);
    assertKept(res, "ProbeFailed", 2, 58_000);
    assert.equal(res.pageWithinMs, durationMs(defaultPaging.pageWithin), "the rehearsed stack keeps the default promise");
    assert.match(pagingMarkdown(res), /with every interval divided by 5 and the results multiplied back/);
});

test("bench/paging: a fleet host's link down for 5, 15 and 25 s (scaled) pages nobody; cut off for good, HostDown notifies within its shorter bound", (t) => {
    const res = ran(t);
    if (!res) return;
    const noNamespaces = namespacesAvailable();
    if (noNamespaces !== undefined) {
        assert.deepEqual(res.notMeasured.map((n) => n.alert), ["HostDown"], "HostDown reported as not measured");
        assert.equal(promiseKept(res), false, "a run that measured not every alert does not claim the promise");
        prerequisiteMissing(t, noNamespaces);
        return;
    }
    // HostDown's for is one scrape shorter (render/fleetScrape.ts hostDownFor): 53 s.
    assertKept(res, "HostDown", 1, 53_000);
    assert.deepEqual(res.notMeasured, []);
    assert.equal(promiseKept(res), true);
});
