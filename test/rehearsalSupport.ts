// What the rehearsal tests share: starting a rehearsal once per file (failing in CI, skipping
// elsewhere when Debian's binaries are missing), reading what the fake receivers got, and deadlines
// derived from the scaled configuration.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before } from "node:test";
import { telegramPath, telegramText as text, type RecordedRequest } from "../rehearsal/fakes";
import { httpGet, rehearsalBinaries, startRehearsal, type Rehearsal, type RehearsalOptions } from "../rehearsal/harness";
import { alertBound, fastPathTimings } from "../model/paging";
import { prerequisiteMissing, type Skippable } from "./externalTools";

export { telegramPath, telegramText as text } from "../rehearsal/fakes";

function missingBinaries(): string[] {
    return Object.keys(rehearsalBinaries).filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0);
}

/** Starts one rehearsal for the test file (before all tests, stopped after them); `get` hands it to a test. */
export function rehearsalForFile(options: RehearsalOptions): (t: Skippable) => Rehearsal | undefined {
    const missing = missingBinaries();
    let rehearsal: Rehearsal | undefined;
    before(async () => {
        if (missing.length === 0) rehearsal = await startRehearsal(options);
    });
    after(async () => {
        await rehearsal?.stop();
    });
    return (t) => {
        if (missing.length > 0) {
            const packages = [...new Set(missing.map((b) => rehearsalBinaries[b]))];
            prerequisiteMissing(t, `rehearsal needs ${missing.join(", ")}; install with \`apt-get install -y --no-install-recommends ${packages.join(" ")}\``);
            return undefined;
        }
        assert.ok(rehearsal, "rehearsal did not start");
        return rehearsal;
    };
}


export function telegram(r: Rehearsal, alertname: string, state: "Firing" | "Resolved"): RecordedRequest[] {
    return r.fakes.requestsTo(telegramPath).filter((m) => m.status === 200 && text(m).includes(`Alerts ${state}:`) && text(m).includes(`alertname = ${alertname}`));
}

export function pagerduty(r: Rehearsal, alertname: string, action: "trigger" | "resolve"): RecordedRequest[] {
    return r.fakes.requestsTo("/v2/enqueue").filter((m) => m.status === 202 && m.body.includes(alertname) && m.body.includes(`"event_action":"${action}"`));
}

/** The scaled intervals a deadline is made of (Rehearsal.timings). */
export type Timings = Rehearsal["timings"];

/**
 * Slack over a bound, relative to it: process and network overhead is small next to the scaled
 * intervals, and a fixed slack would dwarf them (a `for:` four times longer would still pass).
 */
export const relativeSlack = 1.5;

/**
 * Deadline for a normal-path alert with this `for` to be notified: model/paging.ts's worst case
 * (scrape + timeout + evaluation + `for` in whole evaluations + group_wait) at the rehearsal's
 * scaled clock, times the relative slack. The root route's group_wait is the longer one.
 */
export function notifyDeadline(r: Rehearsal, forDuration: string): number {
    const t = r.timings;
    return relativeSlack * alertBound({
        scrapeMs: t.scrapeMs, scrapeTimeoutMs: r.scaled(r.monitoring.prometheus.scrapeTimeout), evaluationMs: t.evaluationMs,
        forMs: r.scaled(forDuration), groupWaitMs: t.groupWaitMs,
    }).worstCaseMs;
}

/** The paging bound of a fast-path alert at the scaled clock; `forDuration` when the alert has its own (HostDown). */
export function pagingBoundMs(r: Rehearsal, forDuration?: string): number {
    const timings = fastPathTimings(r.monitoring.paging, r.scaled);
    return alertBound(forDuration === undefined ? timings : { ...timings, forMs: r.scaled(forDuration) }).worstCaseMs;
}

/** Deadline for a fast-path alert (RedisDown, TargetDown of an app, HostDown): its paging bound times the slack. */
export function pagingDeadline(r: Rehearsal, forDuration?: string): number {
    return relativeSlack * pagingBoundMs(r, forDuration);
}

/** From fault cleared to resolved notification: scrape + evaluation + group_interval (the group's next flush). */
export function resolveBoundMs(t: Timings): number {
    return t.scrapeMs + t.evaluationMs + t.groupIntervalMs;
}

export function resolveDeadline(r: Rehearsal): number {
    return relativeSlack * resolveBoundMs(r.timings);
}

/** A fast-path alert resolves keep_firing_for later than a normal one. */
export function pagedResolveDeadline(r: Rehearsal): number {
    return relativeSlack * (resolveBoundMs(r.timings) + r.scaled(r.monitoring.paging.keepFiringFor));
}

export async function amMetric(r: Rehearsal, name: string, labels = ""): Promise<number> {
    const line = (await httpGet(`${r.urls.alertmanager}/metrics`)).body.split("\n").find((l) => l.startsWith(`${name}${labels} `));
    assert.ok(line, `${name}${labels} not in Alertmanager's metrics`);
    return Number(line.split(" ")[1]);
}
