// Benchmark of the prod stack's alert rehearsal at the REAL prod intervals (timeScale 1): the
// footprint of the started processes, active series and ingestion rate, rule-reload latency with
// the scrape gap around it, then the paging promise (bench/paging.ts: time to notify per
// hard-outage alert against its bound, pages caused by blips). Only 127.0.0.1 and the benches' own
// network namespaces (fleet hosts, root only) are contacted.
// Writes bench/results.md. Run with `npm run bench`.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dump } from "js-yaml";
import { hetznerServerTypes } from "../model/catalog";
import { prodReceiverOverrides } from "../rehearsal/fakes";
import { httpGet, startRehearsal, waitFor, type Rehearsal } from "../rehearsal/harness";
import type { Sample } from "../rehearsal/prometheusApi";
import type { RenderedFile } from "../render/files";
import { rulesDir as renderedRulesDir } from "../render/rules";
import { measureRemoteWrite, remoteWriteMarkdown } from "./remoteWrite";
import { benchFleet } from "./fleet";
import { benchPaging, pagingMarkdown, promiseKept, type PagingBenchResult } from "./paging";

const runStarted = Date.now();
const log = (line: string): void => console.log(`[bench +${((Date.now() - runStarted) / 1000).toFixed(1)}s] ${line}`);

const scalarOf = (s: Sample): number => s.values[0]?.[1] ?? NaN;

/** Children of this process, by the basename of argv[0]. */
function childProcesses(): { pid: number; name: string; rssKiB: number }[] {
    const out: { pid: number; name: string; rssKiB: number }[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const status = fs.readFileSync(`/proc/${entry}/status`, "utf8");
            const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
            if (ppid !== process.pid) continue;
            const argv0 = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")[0];
            const rss = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
            // redis-server rewrites its argv[0] to "redis-server 127.0.0.1:<port>"
            const name = path.basename(argv0.split(" ")[0]);
            if (name === "esbuild") continue; // tsx's compiler service, not part of the stack
            out.push({ pid: Number(entry), name, rssKiB: rss });
        } catch {
            // the process went away
        }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
}

function firstLine(cmd: string, args: string[]): string {
    try {
        const res = execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 5000 });
        return res.split("\n")[0].trim();
    } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        return `${err.stdout ?? ""}${err.stderr ?? ""}`.split("\n")[0].trim() || "unknown";
    }
}

function machine(): Record<string, string> {
    const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
    const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? /^Hardware\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
    const tsxVersion = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "node_modules", "tsx", "package.json"), "utf8")) as { version: string }).version;
    return {
        "date (UTC)": new Date().toISOString(),
        "uname -srm": firstLine("uname", ["-srm"]),
        "CPU": `${model.trim()}, ${os.cpus().length} cores`,
        "memory": `${Math.round(os.totalmem() / 1048576)} MiB`,
        "node": process.version,
        "tsx": tsxVersion,
        "prometheus": firstLine("prometheus", ["--version"]),
        "alertmanager": firstLine("prometheus-alertmanager", ["--version"]),
        "redis-exporter": (() => { const l = firstLine("prometheus-redis-exporter", ["--version"]); return /Redis Metrics Exporter\s+(\S+)/.exec(l)?.[1] ?? l; })(),
        "redis-server": firstLine("redis-server", ["--version"]),
    };
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

interface Results {
    paging?: PagingBenchResult;
    memory: { name: string; pid: number; rssKiB: number }[];
    share?: string;
    series: { job: string; count: number }[];
    samplesPerSecond?: number;
    reload?: { latencyMs: number; maxGapByJob: { job: string; maxGapMs: number; samples: number; missed: number }[]; windowS: number };
    notMeasured: string[];
}

function table(rows: string[][]): string {
    const [head, ...rest] = rows;
    return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rest.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function markdown(res: Results, m: Record<string, string>, totalMs: number): string {
    const out: string[] = ["# Rehearsal benchmark (prod stack, real intervals, timeScale 1)", ""];
    out.push(table([["machine", ""], ...Object.entries(m).map(([k, v]) => [k, v])]), "");
    out.push("## Footprint", "");
    const totalKiB = res.memory.reduce((s, p) => s + p.rssKiB, 0);
    out.push(table([["process", "pid", "VmRSS"], ...res.memory.map((p) => [p.name, String(p.pid), `${(p.rssKiB / 1024).toFixed(1)} MiB`]),
        ["**total**", "", `**${(totalKiB / 1024).toFixed(1)} MiB**`]]), "");
    if (res.share) out.push(res.share, "");
    out.push(table([["job", "active series"], ...res.series.map((s) => [s.job, String(s.count)]),
        ["**total**", `**${res.series.reduce((s, x) => s + x.count, 0)}**`]]), "");
    out.push(`Samples ingested: ${res.samplesPerSecond === undefined ? "not measured" : `${res.samplesPerSecond.toFixed(1)} samples/s`} (rate(prometheus_tsdb_head_samples_appended_total[1m])).`, "");
    out.push("## Rule reload", "");
    if (res.reload) {
        out.push(`New rule file applied through the swap script (promtool check, current symlink, SIGHUP, confirmed loaded) → new rule group listed by /api/v1/rules: **${res.reload.latencyMs} ms**.`, "");
        out.push(`Scrape spacing of \`up\` per job over the ${res.reload.windowS} s window around the reload:`, "");
        out.push(table([["job", "samples", "max interval", "missed scrapes"],
            ...res.reload.maxGapByJob.map((g) => [g.job, String(g.samples), sec(g.maxGapMs), String(g.missed)])]), "");
    } else {
        out.push("not measured", "");
    }
    out.push(res.paging ? pagingMarkdown(res.paging) : "## Paging\n\nnot measured\n");
    out.push(`Total run time: ${sec(totalMs)}.`, "");
    if (res.notMeasured.length > 0) out.push("## Not measured", "", ...res.notMeasured.map((n) => `- ${n}`), "");
    return out.join("\n");
}

async function measureFootprint(r: Rehearsal, res: Results): Promise<void> {
    // rate(...[1m]) and series counts need a few scrapes of normal operation first.
    await waitFor(async () => {
        const v = await r.prometheus.query("count_over_time(prometheus_tsdb_head_samples_appended_total[1m])");
        return v.length > 0 && scalarOf(v[0]) >= 4;
    }, 5 * r.timings.scrapeMs + 20_000, "four scrapes of Prometheus itself within 1m", 500);
    res.memory = childProcesses().map(({ name, pid, rssKiB }) => ({ name, pid, rssKiB }));
    const expected = ["prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "prometheus-redis-exporter", "redis-server"];
    for (const e of expected) if (!res.memory.some((p) => p.name === e)) res.notMeasured.push(`VmRSS of ${e}: process not found among this process' children`);
    const totalMiB = res.memory.reduce((s, p) => s + p.rssKiB, 0) / 1024;
    const [smallest, smallestMiB] = Object.entries(hetznerServerTypes).sort((a, b) => a[1] - b[1])[0];
    const prodType = "cx33";
    const prodMiB = hetznerServerTypes[prodType];
    res.share = `Share of server memory: **${(100 * totalMiB / smallestMiB).toFixed(1)} %** of the smallest current Hetzner type ${smallest} (${smallestMiB} MiB); `
        + `${(100 * totalMiB / prodMiB).toFixed(1)} % of prod's ${prodType} (${prodMiB} MiB). Grafana is not started by the rehearsal (no Debian package; stubbed), so it is not included.`;
    const series = await r.prometheus.query('count by (job) ({__name__=~".+"})');
    res.series = series.map((v) => ({ job: v.labels.job ?? "(no job label: rule outputs)", count: scalarOf(v) })).sort((a, b) => a.job.localeCompare(b.job));
    const rate = await r.prometheus.query("rate(prometheus_tsdb_head_samples_appended_total[1m])");
    res.samplesPerSecond = rate.length > 0 ? rate.reduce((s: number, v) => s + scalarOf(v), 0) : undefined;
    log(`footprint: ${totalMiB.toFixed(1)} MiB total, ${res.series.reduce((s, x) => s + x.count, 0)} series, ${res.samplesPerSecond?.toFixed(1)} samples/s`);
}

async function measureReload(r: Rehearsal, res: Results): Promise<void> {
    const group = `bench-reload-${Date.now()}`;
    const benchRules: RenderedFile = {
        path: `${renderedRulesDir}/bench-reload.yml`, secret: false, owner: 0,
        content: dump({ groups: [{ name: group, rules: [{ record: "bench:reload_marker", expr: "vector(1)" }] }] }),
    };
    const windowStart = Date.now() / 1000;
    const listed = async (): Promise<boolean> => (await httpGet(`${r.urls.prometheus}/api/v1/rules`)).body.includes(`"${group}"`);
    if (await listed()) throw new Error("the new rule group is listed before the reload");
    const posted = Date.now();
    // What pulumi up does: stage, check, swap, SIGHUP; the script returns once the load is confirmed.
    await r.applyConfig({}, (files) => [...files, benchRules]);
    await waitFor(listed, 10_000, `rule group ${group} in /api/v1/rules`, 5);
    const latencyMs = Date.now() - posted;
    log(`reload: rule listed ${latencyMs} ms after the swap script started`);
    // Scrape spacing: two scrape intervals of margin on each side of the reload.
    const marginMs = 2 * r.timings.scrapeMs;
    await new Promise((resolve) => setTimeout(resolve, marginMs + 1000));
    const windowS = Math.ceil(Date.now() / 1000 - windowStart + marginMs / 1000);
    const byJob = (await r.prometheus.scrapeSpacing(windowS, r.timings.scrapeMs))
        .map((g) => ({ job: g.labels.job ?? "?", maxGapMs: g.maxGapMs, samples: g.samples, missed: g.missed }));
    res.reload = { latencyMs, maxGapByJob: byJob, windowS };
}

async function main(): Promise<void> {
    const m = machine();
    const res: Results = { memory: [], series: [], notMeasured: [] };
    let r: Rehearsal | undefined;
    let failure: unknown;
    // 6 minutes for the prod rehearsal and the paging runs (bench/paging.ts), 4 for the fleet (bench/fleet.ts), 3 for remote_write (bench/remoteWrite.ts).
    const hardStop = setTimeout(() => { console.error("bench: 14 minute budget exceeded"); process.exit(2); }, 14 * 60_000 + 30_000);
    hardStop.unref();
    try {
        log("starting the prod rehearsal at timeScale 1");
        r = await startRehearsal({
            stack: "prod",
            timeScale: 1,
            hostMetrics: "node-exporter",
            log,
            overrides: prodReceiverOverrides,
        });
        for (const url of Object.values(r.urls)) if (!/^(https?|redis):\/\/127\.0\.0\.1:/.test(url)) throw new Error(`non-loopback target ${url}`);
        await measureFootprint(r, res);
        await measureReload(r, res);
    } catch (e) {
        failure = e;
        console.error(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    } finally {
        await r?.stop();
    }
    if (!failure) {
        try {
            // Its own rehearsal: five each of apps, Redis servers, http and tcp probes and namespace fleet hosts, at the prod intervals.
            res.paging = await benchPaging({ timeScale: 1, targets: 5, blipsS: [5, 15, 25], log });
            if (!promiseKept(res.paging)) failure = new Error("the paging promise was broken (see the Paging section)");
        } catch (e) {
            failure = e;
            console.error(`paging bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        }
    }
    if (!res.reload) res.notMeasured.push("reload latency and scrape gap (the run stopped before it)");
    res.notMeasured.push("Grafana's footprint: the rehearsal stubs it (no Grafana binary); Docker overhead of the real deployment is not included.");
    if (failure) res.notMeasured.push(`run failed: ${failure instanceof Error ? failure.message.split("\n")[0] : String(failure)}`);
    // remote_write's cost: its own processes, after the rehearsal's are gone (issue 15).
    const remoteWrite = await measureRemoteWrite(log).then(remoteWriteMarkdown, (e: unknown) => `## remote_write cost\n\nnot measured: ${e instanceof Error ? e.message : String(e)}\n`);
    const totalMs = Date.now() - runStarted;
    const md = `${markdown(res, m, totalMs)}\n${remoteWrite}\n${await benchFleet(log)}`;
    fs.writeFileSync(path.join(__dirname, "results.md"), md);
    console.log(`\n${md}`);
    log(`wrote ${path.join(__dirname, "results.md")}`);
    process.exitCode = failure ? 1 : 0;
}

void main();
