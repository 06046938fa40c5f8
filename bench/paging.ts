// Benchmark of the paging promise (issue 14, point 3): the prod stack rehearsed with several apps,
// Redis servers, probes and fleet hosts, at the default prod intervals (timeScale 1) unless told
// otherwise: one kind of target per hard-outage alert on the fast path.
//
// 1. Blips: each target goes down for 5, 15 and 25 s in turn, each blip started just before one of
//    its scrapes (read from /api/v1/targets), so it is seen by as many scrapes as it can be; then
//    the longest worst-case bound passes with nothing else happening. Pages counted: firing
//    notifications naming that target, of any alert, on Telegram (every critical alert goes to
//    Telegram and PagerDuty).
// 2. Hard outages: every target down for good, each alert's runs started spread over one scrape
//    interval so they see different scrape and evaluation phases; time from the fault to the first
//    Telegram notification of the target's alert, against that alert's bound from render/paging.ts.
// Every fast-path alert of the rehearsed stack must have a kind of target here, or the run says
// which one it did not measure. Only 127.0.0.1 and the bench's own network namespaces are contacted.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { durationMs } from "../config/units";
import { probeJob, redisJob } from "../model/catalog";
import { alertBound, type AlertTimings } from "../model/paging";
import { serviceSpecs } from "../model/services";
import { isRecord, records } from "../model/typeGuards";
import { prodReceiverOverrides, telegramPath, telegramText } from "../rehearsal/fakes";
import { httpGet, scaleDurationMs, startRehearsal, waitFor, type Rehearsal } from "../rehearsal/harness";
import { namespaceFleet, namespacesAvailable, startFleetNamespaces, type FleetNamespaces } from "../rehearsal/netns";
import { failingStatus } from "../rehearsal/probes";
import { fleetNodeJobs, hostDownAlertName, hostLabelName } from "../render/fleetScrape";
import { criticalAlertBounds, type CriticalAlertBound } from "../render/paging";
import { probeLabel } from "../render/probes";

export interface PagingBenchOptions {
    /** Every interval divided by this (1: the default prod intervals); results are scaled back. */
    readonly timeScale: number;
    /** Targets of each kind (apps, Redis servers, http and tcp probes each, fleet hosts): the runs per alert. */
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
    /** Worst case at the configured intervals (render/paging.ts). */
    readonly boundMs: number;
    /** The same bound at the rehearsed clock (each part scaled, 1 s floors), ms of rehearsal time. */
    readonly rehearsedBoundMs: number;
}

export interface BlipRow {
    readonly alert: string;
    readonly blipS: number;
    readonly blips: number;
    /** Longest time a target really was down for this blip length (fault made → cleared), prod time. */
    readonly longestDownMs: number;
    /** Outages shorter than this never page, by the arithmetic (render/paging.ts). */
    readonly silentUnderMs: number;
    readonly pages: number;
}

export interface PagingBenchResult {
    readonly timeScale: number;
    /** The promise (pageWithin), ms. */
    readonly pageWithinMs: number;
    readonly outages: readonly OutageRow[];
    readonly blips: readonly BlipRow[];
    /** Fast-path alerts this run could not measure, with the reason. */
    readonly notMeasured: readonly { readonly alert: string; readonly reason: string }[];
    /** Wall-clock time of the whole run, ms. */
    readonly runMs: number;
}

interface Target {
    readonly alert: string;
    readonly name: string;
    /** Whether an active target of /api/v1/targets (its labels) is this target's scrape. */
    isScrapeOf(labels: Readonly<Record<string, unknown>>): boolean;
    /** The `label = value` line every notification about this target carries. */
    readonly marker: string;
    /** Makes the fault (the target is down for its users) and clears it. */
    stop(): Promise<void>;
    start(): Promise<void>;
}

/** The kinds of target, one per hard-outage alert on the fast path, in the report's order. */
const kinds = [
    { alert: "TargetDown", trigger: "app stopped (connection refused)" },
    { alert: "RedisDown", trigger: "redis-server stopped" },
    { alert: "ProbeFailed", trigger: `stand-in answers ${failingStatus} (http) or stops listening (tcp)` },
    { alert: hostDownAlertName, trigger: "namespace host's link down (network unreachable)" },
] as const;

const pad = (i: number) => String(i + 1).padStart(2, "0");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const hostName = (i: number) => `bench-host${pad(i)}`;

/** The prod stack with `n` apps, `n` Redis servers, `n` http and `n` tcp probes (and prod's Telegram and PagerDuty receivers). */
export function benchOverrides(n: number): Record<string, unknown> {
    const each = <T>(make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
    return {
        ...prodReceiverOverrides,
        apps: each((i) => ({ job: `bench-app${pad(i)}`, targets: [`bench-app${pad(i)}:8000`] })),
        redis: each((i) => ({ name: `r${pad(i)}`, address: `redis-r${pad(i)}:6379` })),
        // Plain http and tcp: the bench is about the alert path, not TLS (rehearsal-probes.test.ts covers certificates).
        // The harness aims each at a loopback stand-in; these names are never resolved.
        probes: [
            ...each((i) => ({ name: `bench-http${pad(i)}`, kind: "http", url: `http://bench-http${pad(i)}.example.com/health` })),
            ...each((i) => ({ name: `bench-tcp${pad(i)}`, kind: "tcp", target: `bench-tcp${pad(i)}.example.com:5432` })),
        ],
    };
}

function targetsOf(r: Rehearsal, hosts: FleetNamespaces | undefined): Target[] {
    const job = (labels: Readonly<Record<string, unknown>>): unknown => labels.job;
    const apps = [...r.apps].map(([name, app]): Target => ({
        alert: "TargetDown", name, isScrapeOf: (l) => job(l) === name, marker: `job = ${name}`, stop: () => app.stop(), start: () => app.start(),
    }));
    const redis = r.monitoring.redis.map(({ name }): Target => ({
        alert: "RedisDown", name, isScrapeOf: (l) => job(l) === redisJob(name), marker: `redis = ${name}`,
        stop: () => r.stopRedis(name), start: () => r.startRedis(name),
    }));
    const standIns = r.probeStandIns;
    const probes = standIns === undefined ? [] : r.monitoring.probes.map(({ name, kind }): Target => ({
        alert: "ProbeFailed", name, isScrapeOf: (l) => job(l) === probeJob(kind) && l[probeLabel] === name, marker: `${probeLabel} = ${name}`,
        stop: () => standIns.fail(name), start: () => standIns.recover(name),
    }));
    const fleet = hosts === undefined ? [] : hosts.hosts.map(({ name }): Target => ({
        alert: hostDownAlertName, name, isScrapeOf: (l) => fleetNodeJobs.includes(String(job(l))) && l[hostLabelName] === name, marker: `${hostLabelName} = ${name}`,
        stop: async () => hosts.cut(name), start: async () => hosts.restore(name),
    }));
    return [...apps, ...redis, ...probes, ...fleet];
}

/** Firing Telegram notifications since `sinceMs` naming the target: of its own alert, or (`anyAlert`) of any. */
function pagesOf(r: Rehearsal, t: Target, sinceMs: number, anyAlert = false): number[] {
    return r.fakes.requestsTo(telegramPath)
        .filter((m) => m.at >= sinceMs && m.status === 200)
        .map((m) => ({ at: m.at, text: `${telegramText(m)}\n` }))
        .filter((m) => m.text.includes("Alerts Firing:") && (anyAlert || m.text.includes(`alertname = ${t.alert}\n`)) && m.text.includes(`${t.marker}\n`))
        .map((m) => m.at);
}

/** Active targets with the start of their last scrape, from /api/v1/targets. */
async function lastScrapes(r: Rehearsal): Promise<{ labels: Record<string, unknown>; at: number }[]> {
    const doc: unknown = JSON.parse((await httpGet(`${r.urls.prometheus}/api/v1/targets?state=active`)).body);
    const active = isRecord(doc) && isRecord(doc.data) ? records(doc.data.activeTargets) : [];
    return active.flatMap((t) => {
        const at = Date.parse(String(t.lastScrape));
        return isRecord(t.labels) && at > 0 ? [{ labels: t.labels, at }] : [];
    });
}

/** Waits until just before the target's next scrape (by its last one), so a blip starting now is seen by the most scrapes. */
async function untilJustBeforeScrape(r: Rehearsal, t: Target, scrapeMs: number): Promise<void> {
    const last = (await lastScrapes(r)).find((s) => t.isScrapeOf(s.labels))?.at;
    if (last === undefined) throw new Error(`no scrape of ${t.alert} target ${t.name} yet`);
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

/** Timings at the rehearsed clock: each part divided by the time scale, with the rehearsal's 1 s floor. */
function rehearsedTimings(t: AlertTimings, scale: number): AlertTimings {
    const scaled = (ms: number) => scaleDurationMs(`${ms}ms`, scale);
    return { scrapeMs: scaled(t.scrapeMs), scrapeTimeoutMs: scaled(t.scrapeTimeoutMs), evaluationMs: scaled(t.evaluationMs), forMs: scaled(t.forMs), groupWaitMs: scaled(t.groupWaitMs) };
}

/** Fleet hosts as network namespaces (root only): undefined, with the reason, where they cannot be made. */
async function startHosts(n: number, dir: string, log: (line: string) => void): Promise<{ hosts?: FleetNamespaces; missing?: string }> {
    const missing = namespacesAvailable();
    if (missing !== undefined) return { missing };
    const nodeExporter = serviceSpecs.nodeExporter.rehearsal;
    if (nodeExporter === "stub") return { missing: "node-exporter has no Debian binary" };
    const names = Array.from({ length: n }, (_, i) => hostName(i));
    return { hosts: await startFleetNamespaces(names, { dir, nodeExporter: nodeExporter.binary, collectors: "reachability", log }) };
}

export async function benchPaging(options: PagingBenchOptions): Promise<PagingBenchResult> {
    const started = Date.now();
    const log = options.log ?? (() => undefined);
    const scale = options.timeScale;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-paging-"));
    const { hosts, missing: hostsMissing } = await startHosts(options.targets, dir, log);
    let r: Rehearsal | undefined;
    try {
        r = await startRehearsal({
            stack: "prod", timeScale: scale, overrides: benchOverrides(options.targets), log,
            fleet: hosts === undefined ? undefined : { hosts: namespaceFleet(hosts.hosts), addressByHost: hosts.addresses },
        });
        const rehearsal = r;
        const fast = new Map<string, CriticalAlertBound>(criticalAlertBounds(r.monitoring).filter((b) => b.fastPath).map((b) => [b.alert, b]));
        const boundOf = (alert: string): CriticalAlertBound => {
            const b = fast.get(alert);
            if (b === undefined) throw new Error(`${alert} is not on the fast path of the rehearsed stack`);
            return b;
        };
        const rehearsedBoundOf = (alert: string): number => alertBound(rehearsedTimings(boundOf(alert).timings, scale)).worstCaseMs;
        const notMeasured = [
            ...[...fast.keys()].filter((alert) => !kinds.some((k) => k.alert === alert)).map((alert) => ({ alert, reason: "the bench has no kind of target for it" })),
            ...(hostsMissing === undefined ? [] : [{ alert: hostDownAlertName, reason: hostsMissing }]),
        ];
        const fastScrapeMs = r.scaled(r.monitoring.paging.scrapeInterval);
        const targets = targetsOf(r, hosts);
        const measuredKinds = kinds.filter((k) => targets.some((t) => t.alert === k.alert));
        // The longest bound at the rehearsed clock: a blip that would page has done so by then.
        const longestBound = Math.max(...measuredKinds.map((k) => rehearsedBoundOf(k.alert)));
        // Prometheus has scraped every target before anything starts.
        await waitFor(async () => {
            const scraped = await lastScrapes(rehearsal);
            return targets.every((t) => scraped.some((s) => t.isScrapeOf(s.labels)));
        }, 30_000, "a scrape of every target");

        // 1. Blips, per target in turn, all targets side by side.
        const blipStart = Date.now();
        const downs: { target: Target; blipS: number; stoppedAt: number; downMs: number }[] = [];
        await Promise.all(targets.map(async (t) => {
            for (const blipS of options.blipsS) {
                await untilJustBeforeScrape(rehearsal, t, fastScrapeMs);
                const stopped = Date.now();
                await t.stop();
                await sleep(stopped + (blipS * 1000) / scale - Date.now());
                await t.start();
                downs.push({ target: t, blipS, stoppedAt: stopped, downMs: (Date.now() - stopped) * scale });
                // Two scrapes up before the next blip: the alert is inactive again.
                await sleep(2 * fastScrapeMs);
            }
        }));
        log(`blips done; waiting the longest bound (${(longestBound / 1000).toFixed(1)} s) for any page`);
        await sleep(longestBound + 2 * fastScrapeMs);
        // A page belongs to the target's latest blip that started before it.
        const pageBlips = targets.flatMap((t) => pagesOf(rehearsal, t, blipStart, true).map((at) =>
            downs.filter((d) => d.target === t && d.stoppedAt <= at).sort((a, b) => b.stoppedAt - a.stoppedAt)[0]));
        const blips: BlipRow[] = measuredKinds.flatMap(({ alert }) => options.blipsS.map((blipS): BlipRow => {
            const mine = downs.filter((d) => d.target.alert === alert && d.blipS === blipS);
            return {
                alert, blipS, blips: mine.length, longestDownMs: Math.max(...mine.map((d) => d.downMs)),
                silentUnderMs: boundOf(alert).bound.silentBlipMs, pages: pageBlips.filter((d) => mine.includes(d)).length,
            };
        }));
        log(`blip pages: ${blips.map((b) => `${b.alert} ${b.blipS}s: ${b.pages}`).join(", ")}`);

        // 2. Hard outages, each alert's runs spread over one scrape interval (so over the scrape and evaluation phases).
        const outageStart = Date.now();
        const measured = new Map<Target, number | undefined>();
        await Promise.all(targets.map(async (t) => {
            const sameAlert = targets.filter((x) => x.alert === t.alert);
            await sleep((sameAlert.indexOf(t) * fastScrapeMs) / sameAlert.length);
            const stopped = Date.now();
            await t.stop();
            const at = await waitFor(() => pagesOf(rehearsal, t, outageStart)[0], 1.5 * rehearsedBoundOf(t.alert) + 10_000, `${t.alert} of ${t.name}`, 50)
                .catch(() => undefined);
            measured.set(t, at === undefined ? undefined : (at - stopped) * scale);
        }));
        const outages: OutageRow[] = measuredKinds.map(({ alert, trigger }) => ({
            alert,
            trigger,
            measuredMs: targets.filter((t) => t.alert === alert).map((t) => measured.get(t)),
            boundMs: boundOf(alert).bound.worstCaseMs,
            rehearsedBoundMs: rehearsedBoundOf(alert),
        }));
        for (const o of outages) log(`${o.alert}: ${o.measuredMs.map((m) => (m === undefined ? "none" : `${(m / 1000).toFixed(1)} s`)).join(", ")} (bound ${o.boundMs / 1000} s)`);
        return { timeScale: scale, pageWithinMs: durationMs(r.monitoring.paging.pageWithin), outages, blips, notMeasured, runMs: Date.now() - started };
    } finally {
        await r?.stop();
        await hosts?.remove();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function table(rows: readonly (readonly string[])[]): string {
    const [head, ...rest] = rows;
    return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rest.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** Whether the run kept the promise: every fast-path alert measured, each bound within pageWithin, every outage notified within its bound, no blip paged. */
export function promiseKept(res: PagingBenchResult): boolean {
    return res.notMeasured.length === 0
        && res.outages.every((o) => o.boundMs <= res.pageWithinMs && o.measuredMs.every((m) => m !== undefined && m <= o.boundMs))
        && res.blips.every((b) => b.pages === 0);
}

export function pagingMarkdown(res: PagingBenchResult): string {
    const clock = res.timeScale === 1
        ? "at the default prod intervals, timeScale 1, nothing scaled"
        : `with every interval divided by ${res.timeScale} and the results multiplied back`;
    const out = [`## Paging: time to notify and blips (${clock})`, ""];
    out.push(table([["alert", "trigger", "runs", "median", "max", "worst case (render/paging.ts)", "within bound"],
        ...res.outages.map((o) => {
            const got = o.measuredMs.filter((m): m is number => m !== undefined);
            const missing = o.measuredMs.length - got.length;
            return [o.alert, o.trigger, String(o.measuredMs.length), got.length > 0 ? sec(median(got)) : "-", got.length > 0 ? sec(Math.max(...got)) : "-",
                sec(o.boundMs), missing > 0 ? `no: ${missing} never notified` : got.every((m) => m <= o.boundMs) ? "yes" : "no"];
        })]), "");
    out.push(`Time from making the fault to the first Telegram notification of the target's alert; the runs of each alert start spread over one scrape interval, so they meet different scrape and evaluation phases. The promise (pageWithin): ${sec(res.pageWithinMs)}.`, "");
    out.push(table([["alert", "blip", "blips", "longest real down time", "silent by the arithmetic", "pages"],
        ...res.blips.map((b) => [b.alert, `${b.blipS} s`, String(b.blips), sec(b.longestDownMs), `under ${sec(b.silentUnderMs)}`, String(b.pages)])]), "");
    out.push("Each blip starts just before a scrape of its target, so it is seen by as many scrapes as its length allows; every target has one blip of each length, and pages (firing notifications naming the target, of any alert) are counted until the longest worst-case bound has passed after the last blip.", "");
    for (const n of res.notMeasured) out.push(`Not measured: ${n.alert}: ${n.reason}.`, "");
    const verdict = promiseKept(res) ? "kept" : promiseKept({ ...res, notMeasured: [] }) ? "not shown for every alert (see above)" : "BROKEN";
    out.push(`Promise ${verdict}. Paging bench run time: ${sec(res.runMs)}.`, "");
    return out.join("\n");
}

/** Run on its own: `npx tsx bench/paging.ts [timeScale]`. */
if (require.main === module) {
    const timeScale = Number(process.argv[2] ?? "1");
    benchPaging({ timeScale, targets: 5, blipsS: [5, 15, 25], log: (l) => console.log(l) })
        .then((res) => { console.log(pagingMarkdown(res)); process.exitCode = promiseKept(res) ? 0 : 1; },
            (e: unknown) => { console.error(e); process.exitCode = 2; });
}
