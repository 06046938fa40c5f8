// The paging benchmark's code paths (bench/paging.ts, run for real by `npm run bench`), compressed:
// one app and one Redis at timeScale 5 (at 15 the 1 s floors would leave no blip silent). Each
// blip stays silent, each hard outage notifies within 1.5 × the bound at the rehearsed clock, and
// the report says which clock it ran on.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { benchPaging, pagingMarkdown } from "../../bench/paging";
import { rehearsalBinaries } from "../../rehearsal/harness";
import { relativeSlack } from "../rehearsalSupport";
import { prerequisiteMissing } from "../externalTools";

test("bench/paging: blips of 5, 15 and 25 s (scaled) page nobody; a hard outage of an app and of Redis notifies within the bound", async (t) => {
    const missing = Object.keys(rehearsalBinaries).filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0);
    if (missing.length > 0) {
        prerequisiteMissing(t, `the paging bench needs ${missing.join(", ")}`);
        return;
    }
    const timeScale = 5;
    const res = await benchPaging({ timeScale, targets: 1, blipsS: [5, 15, 25], log: (line) => console.log(line) });
    console.log(pagingMarkdown(res));
    assert.deepEqual(res.blips.map((b) => [b.alert, b.blipS, b.blips, b.pages]), [
        ["TargetDown", 5, 1, 0], ["TargetDown", 15, 1, 0], ["TargetDown", 25, 1, 0],
        ["RedisDown", 5, 1, 0], ["RedisDown", 15, 1, 0], ["RedisDown", 25, 1, 0],
    ]);
    assert.deepEqual(res.outages.map((o) => [o.alert, o.boundMs]), [["TargetDown", 58_000], ["RedisDown", 58_000]]);
    for (const o of res.outages) {
        for (const m of o.measuredMs) {
            assert.ok(m !== undefined, `${o.alert} never notified`);
            assert.ok(m / timeScale <= relativeSlack * res.rehearsedBoundMs, `${o.alert}: ${m / timeScale} ms > ${relativeSlack} × ${res.rehearsedBoundMs} ms`);
        }
    }
    assert.match(pagingMarkdown(res), /with every interval divided by 5 and the results multiplied back/);
});
