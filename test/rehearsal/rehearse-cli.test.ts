// `npm run rehearse -- local` as a user runs it: the stack is required, a stack without receivers
// gets a stand-in so its pages can be seen, a fault is injected through the menu's own key
// handler, and the page arrives with the text the receiver would show.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import { projectDir } from "../../config/stackFiles";
import { runbookFirstStep } from "../../model/alerts";
import { faultActions, menuText, pressKey, startStackRehearsal, type StackRehearsal } from "../../rehearsal/faults";
import { rehearsalBinaries, waitFor } from "../../rehearsal/harness";
import { formatPage, pagesSoFar } from "../../rehearsal/pages";
import { prerequisiteMissing } from "../externalTools";

test("npm run rehearse requires the stack", () => {
    const r = spawnSync("npm", ["run", "-s", "rehearse"], { cwd: projectDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: npm run rehearse -- <stack> \[timeScale\]/);
});

let running: StackRehearsal | undefined;
after(async () => { await running?.rehearsal.stop(); });

test("npm run rehearse -- local: stopping a target from the menu pages the stand-in Telegram receiver with the alert's text", async (t) => {
    const missing = Object.keys(rehearsalBinaries).filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0);
    if (missing.length > 0) return prerequisiteMissing(t, `the rehearsal needs ${missing.join(", ")}`);
    running = await startStackRehearsal("local", 30);
    const { rehearsal, standIn } = running;
    assert.ok(standIn, "Pulumi.local.yaml has no receivers: the rehearsal adds a stand-in");

    const faults = faultActions(rehearsal);
    const menu = menuText(faults);
    assert.match(menu, /1\) stop Redis → RedisDown {3}\(not available: the stack has no redis entries\)/);
    assert.match(menu, /2\) stop the node-exporter target \(the stack has no apps\) → TargetDown\n/);
    assert.match(menu, /3\) fill a disk past its threshold .* → HostDiskAlmostFull\n/);
    assert.match(menu, /4\) break the receivers .* → AlertmanagerFailedToSendNotifications/);
    assert.match(await pressKey(faults, "1"), /^not available/);

    assert.match(await pressKey(faults, "2"), /^injected: stop the node-exporter target/);
    const { scrapeMs, evaluationMs, groupWaitMs } = rehearsal.timings;
    const bound = rehearsal.scaled("1m") + scrapeMs + evaluationMs + groupWaitMs;
    const page = await waitFor(() => pagesSoFar(rehearsal.fakes, rehearsal.smtp)
        .find((p) => p.via === "Telegram" && p.text.includes("alertname = TargetDown") && p.text.includes("job = node")), 3 * bound + 10_000, "the TargetDown page");
    assert.ok(page.accepted);
    // The text a phone shows: what fired, where, and the first step instead of a link nobody can open.
    assert.match(page.text, /^Alerts Firing:/);
    assert.match(page.text, /summary = Target \S+ of job node is down/);
    assert.ok(page.text.includes(`runbook = ${runbookFirstStep("TargetDown")}`), page.text);
    assert.match(formatPage(page), /^── \S+ page via Telegram\n {3}Alerts Firing:/);
    assert.match(await pressKey(faults, "2"), /^undone: /);
});
