// Benchmark of the paging promise (issue 14, point 3): the prod stack rehearsed with several apps
// and Redis servers, at the default prod intervals (timeScale 1) unless told otherwise.
//
// 1. Blips: each target goes down for 5, 15 and 25 s in turn, each blip started just before one of
//    its scrapes (read from /api/v1/targets), so it is seen by as many scrapes as it can be; then
//    the worst-case bound passes with nothing else happening. Pages counted: firing notifications
//    of that target's alert on Telegram (every critical alert goes to Telegram and PagerDuty).
// 2. Hard outages: every target stopped for good, their starts spread over one scrape interval
//    so the runs see different scrape and evaluation phases; time from stop to the first Telegram
//    notification of the target's alert, against the bound of render/paging.ts.
// Only 127.0.0.1 is contacted.
import { alertBound, fastPathTimings } from "../model/paging";
import { prodReceiverOverrides, telegramPath, telegramText } from "../rehearsal/fakes";
import { httpGet, startRehearsal, waitFor, type Rehearsal } from "../rehearsal/harness";
import { isRecord, records } from "../model/typeGuards";
import { criticalAlertBounds } from "../render/paging";

export interface PagingBenchOptions {
    /** Every interval divided by this (1: the default prod intervals); results are scaled back. */
    readonly timeScale: number;
    /** Apps and Redis servers each: the runs per alert. */
    readonly targets: number;
    /** Blip lengths in seconds at prod scale. */
    readonly blipsS: readonly number[];
    readonly log?: (line: string) => void;
}

/** One hard-outage alert's runs. */
export interface OutageRow {
    readonly alert: string;
    readonly trigger: string;
    /** Scaled back to prod time, ms; undefined for a run that never notified. */
    readonly measuredMs: readonly (number | undefined)[];
    readonly boundMs: number;
}

export interface BlipRow {
    readonly alert: string;
    readonly blipS: number;
    readonly blips: number;
    /** Longest time a target really was down for this blip length (stop called → back up), prod time. */
    readonly longestDownMs: number;
    readonly pages: number;
}

export interface PagingBenchResult {
    readonly timeScale: number;
    /** The fast path's bound at the rehearsed clock (each interval scaled, 1 s floors), ms of rehearsal time. */
    readonly rehearsedBoundMs: number;
    readonly outages: readonly OutageRow[];
    readonly blips: readonly BlipRow[];
}

interface Target {
    readonly alert: "TargetDown" | "RedisDown";
    readonly job: string;
    /** Text a Telegram notification of this target's alert contains. */
    readonly marker: string;
    stop(): Promise<void>;
    start(): Promise<void>;
}

const pad = (i: number) => String(i + 1).padStart(2, "0");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The prod stack with `n` apps and `n` Redis servers (and prod's Telegram and PagerDuty receivers). */
export function benchOverrides(n: number): Record<string, unknown> {
    return {
        ...prodReceiverOverrides,
        apps: Array.from({ length: n }, (_, i) => ({ job: `bench-app${pad(i)}`, targets: [`bench-app${pad(i)}:8000`] })),
        redis: Array.from({ length: n }, (_, i) => ({ name: `r${pad(i)}`, address: `redis-r${pad(i)}:6379` })),
    };
}

function targetsOf(r: Rehearsal): Target[] {
    const apps = [...r.apps].map(([job, app]): Target => ({
        alert: "TargetDown", job, marker: `job = ${job}\n`, stop: () => app.stop(), start: () => app.start(),
    }));
    const redis = r.monitoring.redis.map((x): Target => ({
        alert: "RedisDown", job: `redis-${x.name}`, marker: `redis = ${x.name}\n`, stop: () => r.stopRedis(x.name), start: () => r.startRedis(x.name),
    }));
    return [...apps, ...redis];
}

/** Firing Telegram notifications of the target's alert since `sinceMs`. */
function pagesOf(r: Rehearsal, t: Target, sinceMs: number): number[] {
    return r.fakes.requestsTo(telegramPath)
        .filter((m) => m.at >= sinceMs && m.status === 200)
        .map((m) => ({ at: m.at, text: `${telegramText(m)}\n` }))
        .filter((m) => m.text.includes("Alerts Firing:") && m.text.includes(`alertname = ${t.alert}`) && m.text.includes(t.marker))
        .map((m) => m.at);
}

/** Last scrape start of each job, from /api/v1/targets. */
async function lastScrapes(r: Rehearsal): Promise<Map<string, number>> {
    const doc: unknown = JSON.parse((await httpGet(`${r.urls.prometheus}/api/v1/targets?state=active`)).body);
    const active = isRecord(doc) && isRecord(doc.data) ? records(doc.data.activeTargets) : [];
    return new Map(active.flatMap((t) => {
        const labels = isRecord(t.labels) ? t.labels : {};
        const at = Date.parse(String(t.lastScrape));
        return typeof labels.job === "string" && at > 0 ? [[labels.job, at] as const] : [];
    }));
}

/** Waits until just before the target's next scrape (by its last one), so a blip starting now is seen by the most scrapes. */
async function untilJustBeforeScrape(r: Rehearsal, job: string, scrapeMs: number): Promise<void> {
    const last = (await lastScrapes(r)).get(job);
    if (last === undefined) throw new Error(`no scrape of job ${job} yet`);
    const lead = Math.min(300, scrapeMs / 10);
    let next = last + scrapeMs;
    while (next - lead < Date.now() + 50) next += scrapeMs;
    await sleep(next - lead - Date.now());
}

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function benchPaging(options: PagingBenchOptions): Promise<PagingBenchResult> {
    const log = options.log ?? (() => undefined);
    const scale = options.timeScale;
    const r = await startRehearsal({ stack: "prod", timeScale: scale, overrides: benchOverrides(options.targets), log });
    try {
        const bounds = new Map(criticalAlertBounds(r.monitoring).filter((b) => b.fastPath).map((b) => [b.alert, b.bound.worstCaseMs]));
        const boundOf = (alert: string): number => {
            const b = bounds.get(alert);
            if (b === undefined) throw new Error(`${alert} is not on the fast path`);
            return b;
        };
        const fastScrapeMs = r.scaled(r.monitoring.paging.scrapeInterval);
        // The bound as rehearsed: each part scaled (floors of 1 s make it longer, never shorter).
        const scaledBound = alertBound(fastPathTimings(r.monitoring.paging, r.scaled)).worstCaseMs;
        const targets = targetsOf(r);
        // Prometheus has scraped every target before anything starts.
        await waitFor(async () => {
            const scraped = await lastScrapes(r);
            return targets.every((t) => scraped.has(t.job));
        }, 30_000, "a scrape of every target");

        // 1. Blips, per target in turn, all targets side by side.
        const blipStart = Date.now();
        const downs: { target: Target; blipS: number; stoppedAt: number; downMs: number }[] = [];
        await Promise.all(targets.map(async (t) => {
            for (const blipS of options.blipsS) {
                await untilJustBeforeScrape(r, t.job, fastScrapeMs);
                const stopped = Date.now();
                await t.stop();
                await sleep(stopped + (blipS * 1000) / scale - Date.now());
                await t.start();
                downs.push({ target: t, blipS, stoppedAt: stopped, downMs: (Date.now() - stopped) * scale });
                // Two scrapes up before the next blip: the alert is inactive again.
                await sleep(2 * fastScrapeMs);
            }
        }));
        log(`blips done; waiting the bound (${(scaledBound / 1000).toFixed(1)} s) for any page`);
        await sleep(scaledBound + 2 * fastScrapeMs);
        // A page belongs to the target's latest blip that started before it.
        const pageBlips = targets.flatMap((t) => pagesOf(r, t, blipStart).map((at) =>
            downs.filter((d) => d.target === t && d.stoppedAt <= at).sort((a, b) => b.stoppedAt - a.stoppedAt)[0]));
        const blips: BlipRow[] = (["TargetDown", "RedisDown"] as const).flatMap((alert) => options.blipsS.map((blipS): BlipRow => {
            const mine = downs.filter((d) => d.target.alert === alert && d.blipS === blipS);
            return { alert, blipS, blips: mine.length, longestDownMs: Math.max(...mine.map((d) => d.downMs)), pages: pageBlips.filter((d) => mine.includes(d)).length };
        }));
        log(`blip pages: ${blips.map((b) => `${b.alert} ${b.blipS}s: ${b.pages}`).join(", ")}`);

        // 2. Hard outages, spread over one scrape interval.
        const outageStart = Date.now();
        const measured = new Map<Target, number | undefined>();
        await Promise.all(targets.map(async (t, i) => {
            await sleep((i * fastScrapeMs) / targets.length);
            const stopped = Date.now();
            await t.stop();
            const at = await waitFor(() => pagesOf(r, t, outageStart)[0], 1.5 * scaledBound + 10_000, `${t.alert} of ${t.job}`, 50)
                .catch(() => undefined);
            measured.set(t, at === undefined ? undefined : (at - stopped) * scale);
        }));
        const outages: OutageRow[] = (["TargetDown", "RedisDown"] as const).map((alert) => ({
            alert,
            trigger: alert === "TargetDown" ? "app stopped (connection refused)" : "redis-server stopped",
            measuredMs: targets.filter((t) => t.alert === alert).map((t) => measured.get(t)),
            boundMs: boundOf(alert),
        }));
        for (const o of outages) log(`${o.alert}: ${o.measuredMs.map((m) => (m === undefined ? "none" : `${(m / 1000).toFixed(1)} s`)).join(", ")} (bound ${o.boundMs / 1000} s)`);
        return { timeScale: scale, rehearsedBoundMs: scaledBound, outages, blips };
    } finally {
        await r.stop();
    }
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function table(rows: readonly (readonly string[])[]): string {
    const [head, ...rest] = rows;
    return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rest.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** Whether the run kept the promise: every outage notified within its bound, no blip paged. */
export function promiseKept(res: PagingBenchResult): boolean {
    return res.outages.every((o) => o.measuredMs.every((m) => m !== undefined && m <= o.boundMs)) && res.blips.every((b) => b.pages === 0);
}

export function pagingMarkdown(res: PagingBenchResult): string {
    const clock = res.timeScale === 1
        ? "at the default prod intervals, timeScale 1, nothing scaled"
        : `with every interval divided by ${res.timeScale} and the results multiplied back`;
    const out = [`## Paging: time to notify and blips (${clock})`, ""];
    out.push(table([["alert", "trigger", "runs", "median", "max", "bound (render/paging.ts)", "within bound"],
        ...res.outages.map((o) => {
            const got = o.measuredMs.filter((m): m is number => m !== undefined);
            const missing = o.measuredMs.length - got.length;
            return [o.alert, o.trigger, String(o.measuredMs.length), got.length > 0 ? sec(median(got)) : "-", got.length > 0 ? sec(Math.max(...got)) : "-",
                sec(o.boundMs), missing > 0 ? `no: ${missing} never notified` : got.every((m) => m <= o.boundMs) ? "yes" : "no"];
        })]), "");
    out.push("Time from stopping the target to the first Telegram notification of its alert; the runs start spread over one scrape interval, so they meet different scrape and evaluation phases.", "");
    out.push(table([["alert", "blip", "blips", "longest real down time", "pages"],
        ...res.blips.map((b) => [b.alert, `${b.blipS} s`, String(b.blips), sec(b.longestDownMs), String(b.pages)])]), "");
    out.push("Each blip starts just before a scrape of its target, so it is seen by as many scrapes as its length allows; every target has one blip of each length, and pages are counted until the worst-case bound has passed after the last blip.", "");
    out.push(`Promise ${promiseKept(res) ? "kept" : "BROKEN"}.`, "");
    return out.join("\n");
}

/** Run on its own: `npx tsx bench/paging.ts [timeScale]`. */
if (require.main === module) {
    const timeScale = Number(process.argv[2] ?? "1");
    benchPaging({ timeScale, targets: 5, blipsS: [5, 15, 25], log: (l) => console.log(l) })
        .then((res) => { console.log(pagingMarkdown(res)); process.exitCode = promiseKept(res) ? 0 : 1; },
            (e: unknown) => { console.error(e); process.exitCode = 2; });
}
