// Fleet cost bench (issue 13): the prod stack's Prometheus scraping 1, 10 and 50 fleet hosts, each a
// network namespace running Debian's node-exporter with its default collectors (rehearsal/netns.ts),
// at the real intervals. Per size: head series, Prometheus memory (resident and Go heap), rule
// evaluation time; then the cost per added host and how many hosts a server type carries with
// half its memory free. Only loopback and the namespaces are contacted. Needs root.
// Run alone with `npx tsx bench/fleet.ts`; `npm run bench` appends it to bench/results.md.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../config/parse";
import { projectDefaults, readProject, stackRawConfig } from "../config/stackFiles";
import { hetznerServerTypes, hostReservedMemoryMb } from "../model/catalog";
import { serviceSpecs } from "../model/services";
import { containerMemoryMb, type MonitoringConfig } from "../model/stack";
import { prodReceiverOverrides } from "../rehearsal/fakes";
import { startRehearsal, waitFor, type Rehearsal } from "../rehearsal/harness";
import { namespaceFleet, namespacesAvailable, startFleetNamespaces, type FleetNamespaces } from "../rehearsal/netns";
import { fleetJobs } from "../render/fleetScrape";

export const fleetSizes = [1, 10, 50] as const;
/** Scrapes of every host before measuring: the head holds a few samples of every series. */
const scrapesBeforeMeasuring = 4;
const MiB = 1024 * 1024;

export interface FleetMeasurement {
    readonly hosts: number;
    readonly headSeries: number;
    readonly rssMiB: number;
    readonly heapMiB: number;
    /** Sum over rule groups of their last evaluation, ms. */
    readonly ruleEvaluationMs: number;
    /** The host group's last evaluation (the rules that grow with the fleet), ms. */
    readonly hostGroupMs: number;
}

const fleetNodeJob = fleetJobs.node["private-network"];

async function scalar(r: Rehearsal, expr: string): Promise<number> {
    const result = await r.prometheus.query(expr);
    const value = result[0]?.values[0]?.[1];
    if (value === undefined) throw new Error(`no value for ${expr}`);
    return value;
}

async function measure(ns: FleetNamespaces, hosts: number, log: (line: string) => void): Promise<FleetMeasurement> {
    const r = await startRehearsal({
        stack: "prod",
        timeScale: 1,
        log,
        // The prod stack's own apps and Redis are left out: the figures are the fleet's.
        overrides: { ...prodReceiverOverrides, apps: [], redis: [] },
        fleet: { hosts: namespaceFleet(ns.hosts.slice(0, hosts)), addressByHost: ns.addresses },
    });
    try {
        const self = `job="prometheus"`;
        await waitFor(async () => (await r.prometheus.query(`min(count_over_time(up{job="${fleetNodeJob}"}[5m])) >= ${scrapesBeforeMeasuring}`)).length > 0
            && (await r.prometheus.query(`count(up{job="${fleetNodeJob}"} == 1) == ${hosts}`)).length > 0,
        (scrapesBeforeMeasuring + 2) * r.timings.scrapeMs + 30_000, `${scrapesBeforeMeasuring} scrapes of ${hosts} fleet hosts`, 500);
        const m: FleetMeasurement = {
            hosts,
            headSeries: await scalar(r, `prometheus_tsdb_head_series{${self}}`),
            rssMiB: await scalar(r, `process_resident_memory_bytes{${self}}`) / MiB,
            heapMiB: await scalar(r, `go_memstats_heap_inuse_bytes{${self}}`) / MiB,
            // Averaged over the last minute's evaluations: one evaluation on a shared machine is noise.
            ruleEvaluationMs: 1000 * await scalar(r, `sum(avg_over_time(prometheus_rule_group_last_duration_seconds{${self}}[1m]))`),
            hostGroupMs: 1000 * await scalar(r, `max(avg_over_time(prometheus_rule_group_last_duration_seconds{${self}, rule_group=~".*;host"}[1m]))`),
        };
        log(`fleet ${hosts}: ${m.headSeries} series, RSS ${m.rssMiB.toFixed(1)} MiB, heap ${m.heapMiB.toFixed(1)} MiB, rules ${m.ruleEvaluationMs.toFixed(1)} ms`);
        return m;
    } finally {
        await r.stop();
    }
}

/** Per added host, from the smallest to the largest fleet measured. */
export function costPerHost(rows: readonly FleetMeasurement[]): Omit<FleetMeasurement, "hosts"> {
    const first = rows[0];
    const last = rows[rows.length - 1];
    const added = last.hosts - first.hosts;
    const per = (key: Exclude<keyof FleetMeasurement, "hosts">) => (last[key] - first[key]) / added;
    return { headSeries: per("headSeries"), rssMiB: per("rssMiB"), heapMiB: per("heapMiB"), ruleEvaluationMs: per("ruleEvaluationMs"), hostGroupMs: per("hostGroupMs") };
}

/**
 * Hosts a server type carries with half its memory free: the OS reserve, the other containers'
 * memory limits (not their smaller use: conservative) and Prometheus' measured resident memory,
 * grown by the measured cost per host, must fit in half the server's memory.
 */
export function hostsWithHalfFree(serverMiB: number, m: MonitoringConfig, oneHost: FleetMeasurement, perHostMiB: number): number {
    const others = containerMemoryMb(m) - m.prometheus.memoryMb + hostReservedMemoryMb;
    return Math.max(0, Math.floor((serverMiB / 2 - others - oneHost.rssMiB) / perHostMiB) + 1);
}

/** Hosts before Prometheus reaches its own memory limit (prometheusMemoryMb). */
export function hostsWithinPrometheusLimit(m: MonitoringConfig, oneHost: FleetMeasurement, perHostMiB: number): number {
    return Math.max(0, Math.floor((m.prometheus.memoryMb - oneHost.rssMiB) / perHostMiB) + 1);
}

function table(rows: string[][]): string {
    const [head, ...rest] = rows;
    return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rest.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function fleetMarkdown(rows: readonly FleetMeasurement[]): string {
    const per = costPerHost(rows);
    const defaults = parseStackConfig("bench", { ...stackRawConfig("prod"), apps: [], redis: [] }, { withoutSecrets: true });
    // The project's default server type (Pulumi.yaml) and prod's.
    const projectDefault = String(projectDefaults(readProject()).serverType);
    const types = [...new Set([projectDefault, defaults.host.serverType])];
    const out = ["## Fleet: cost per monitored host", ""];
    out.push(`Prometheus (Debian 2.42) of the prod stack scraping N fleet hosts, each a network namespace running Debian's node-exporter with its default collectors, `
        + `at the real intervals, measured after ${scrapesBeforeMeasuring} scrapes of every host. Measured on this loaded, shared 2-core machine: `
        + "memory right after start, before the head has filled a 2-hour block; a long-running Prometheus holds more per series.", "");
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    out.push(table([["hosts", "head series", "Prometheus RSS", "Go heap in use", "rule evaluation (all groups, 1m average)", "host group"],
        ...rows.map((r) => [String(r.hosts), String(r.headSeries), `${r.rssMiB.toFixed(1)} MiB`, `${r.heapMiB.toFixed(1)} MiB`, ms(r.ruleEvaluationMs), ms(r.hostGroupMs)]),
        [`**per added host** (${rows[0].hosts}→${rows[rows.length - 1].hosts})`, per.headSeries.toFixed(0), `${per.rssMiB.toFixed(2)} MiB`, `${per.heapMiB.toFixed(2)} MiB`, ms(per.ruleEvaluationMs), ms(per.hostGroupMs)]]), "");
    for (const type of types) {
        const serverMiB = hetznerServerTypes[type];
        const carried = hostsWithHalfFree(serverMiB, defaults.monitoring, rows[0], per.rssMiB);
        out.push(`- ${type} (${serverMiB} MiB): about **${carried} hosts** with half its memory free (OS reserve ${hostReservedMemoryMb} MiB and the other containers' limits counted in full).`);
    }
    out.push(`- Prometheus' own limit (prometheusMemoryMb ${defaults.monitoring.prometheus.memoryMb} MiB) is reached at about `
        + `${hostsWithinPrometheusLimit(defaults.monitoring, rows[0], per.rssMiB)} hosts: raise it with the fleet.`, "");
    return out.join("\n");
}

/** Runs the three sizes; a markdown section for bench/results.md (a note instead when namespaces are unavailable). */
export async function benchFleet(log: (line: string) => void): Promise<string> {
    const missing = namespacesAvailable();
    if (missing !== undefined) return `## Fleet: cost per monitored host\n\nNot measured: ${missing}.\n`;
    const nodeExporter = serviceSpecs.nodeExporter.rehearsal;
    if (nodeExporter === "stub") throw new Error("node-exporter has no Debian binary");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-fleet-"));
    const largest = Math.max(...fleetSizes);
    let ns: FleetNamespaces | undefined;
    try {
        log(`starting ${largest} fleet hosts (network namespaces with node-exporter)`);
        ns = await startFleetNamespaces(Array.from({ length: largest }, (_, i) => `bench-${i + 1}`), { dir, nodeExporter: nodeExporter.binary, collectors: "default" });
        const rows: FleetMeasurement[] = [];
        for (const size of fleetSizes) rows.push(await measure(ns, size, log));
        return fleetMarkdown(rows);
    } catch (e) {
        // The prod figures above stay valid; the fleet section says why it has none.
        log(`fleet bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        process.exitCode = 1;
        return `## Fleet: cost per monitored host\n\nNot measured: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}.\n`;
    } finally {
        await ns?.remove();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

if (require.main === module) {
    const started = Date.now();
    const log = (line: string): void => console.log(`[fleet bench +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
    benchFleet(log).then((md) => console.log(`\n${md}`), (e: unknown) => {
        console.error(e instanceof Error ? e.stack ?? e.message : String(e));
        process.exitCode = 1;
    });
}
