// The paging bound of every critical alert, from the configured intervals (model/paging.ts) and
// the rules as rendered (render/rules.ts): what `npm run docs` writes into README.md and
// docs/runbooks.md, and what the bench measures against. Pure.
import { durationMs } from "../config/units";
import { alertBound, fastPathTimings, type AlertBound, type AlertTimings } from "../model/paging";
import type { MonitoringConfig } from "../model/stack";
import { isAlert, ruleGroups, type AlertRule } from "./rules";

export interface CriticalAlertBound {
    readonly alert: string;
    readonly fastPath: boolean;
    /** The rule's `for`. */
    readonly for: string;
    /** Scrape jobs of a fast-path alert; empty on the normal path. */
    readonly jobs: readonly string[];
    readonly timings: AlertTimings;
    readonly bound: AlertBound;
}

/**
 * Normal-path alerts: the global scrape interval and timeout (an upper bound: their jobs may be
 * scraped faster for a fast-path alert) and evaluation interval; every critical alert goes through
 * the critical route's group_wait.
 */
function timingsOf(m: MonitoringConfig, rule: AlertRule): AlertTimings {
    // A fast-path alert may have its own `for` (HostDown: one scrape shorter, render/fleetScrape.ts).
    if (rule.pages) return { ...fastPathTimings(m.paging), forMs: durationMs(rule.for ?? m.paging.for) };
    return {
        scrapeMs: durationMs(m.prometheus.scrapeInterval),
        scrapeTimeoutMs: durationMs(m.prometheus.scrapeTimeout),
        evaluationMs: durationMs(m.prometheus.evaluationInterval),
        forMs: durationMs(rule.for ?? "0s"),
        groupWaitMs: durationMs(m.paging.groupWait),
    };
}

/** One entry per critical alert name, path and `for` (TargetDown has a fast and a normal one). */
export function criticalAlertBounds(m: MonitoringConfig): CriticalAlertBound[] {
    const byKey = new Map<string, CriticalAlertBound>();
    for (const rule of ruleGroups(m).flatMap((g) => g.rules.filter(isAlert)).filter((r) => r.severity === "critical")) {
        const key = `${rule.alert}/${rule.pages ? "fast" : "normal"}/${rule.for ?? ""}`;
        const seen = byKey.get(key);
        const jobs = [...(seen?.jobs ?? []), ...(rule.pages?.jobs ?? [])];
        const timings = timingsOf(m, rule);
        byKey.set(key, { alert: rule.alert, fastPath: rule.pages !== undefined, for: rule.for ?? "0s", jobs, timings, bound: alertBound(timings) });
    }
    return [...byKey.values()];
}

const s = (ms: number) => `${ms / 1000} s`;

/** Markdown table of criticalAlertBounds: fast path first. */
export function pagingTable(m: MonitoringConfig): string {
    const rows = criticalAlertBounds(m).sort((a, b) => Number(b.fastPath) - Number(a.fastPath)).map((b) => {
        const t = b.timings;
        const parts = `${s(t.scrapeMs)} + ${s(t.scrapeTimeoutMs)} + ${s(t.evaluationMs)} + ${s(b.bound.firesAfterMs)} + ${s(t.groupWaitMs)}`;
        const what = b.fastPath ? `fast (${b.jobs.join(", ")})` : "normal";
        return `| ${b.alert} | ${what} | ${b.for} | **${s(b.bound.worstCaseMs)}** | ${parts} | under ${s(b.bound.silentBlipMs)} |`;
    });
    return [
        "| critical alert | path (jobs) | for | worst case to page | scrape + timeout + evaluation + for (whole evaluations) + group_wait | outages that never page |",
        "|---|---|---|---|---|---|",
        ...rows,
    ].join("\n");
}
