// Cost of remote_write, measured with Debian's binaries on loopback: two Prometheus 2.42 on the
// same configuration (one node-exporter scraped every second), one with the stack's rendered
// remote_write to VictoriaMetrics (its rendered flags) and one without. Reports the send lag,
// Prometheus' added memory and CPU, VictoriaMetrics' memory, and bytes per sample on disk in each
// store for the same data. `npm run bench` runs it after the rehearsal benchmark; on its own:
// `npx tsx bench/remoteWrite.ts` (writes bench/remote-write-results.md).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../config/parse";
import { embeddedStoreName } from "../model/remoteWrite";
import { serviceSpecs } from "../model/services";
import { yamlText } from "../render/files";
import { renderRemoteWrite } from "../render/remoteWrite";
import { renderedSingle } from "../render/services";
import { waitFor } from "../rehearsal/fakes";
import { cleanUpOnExit, freePort, httpGet, httpOk, launch, type Managed, ready, terminate } from "../rehearsal/processes";
import { rehearsalVictoriaMetricsArgs } from "../rehearsal/remoteWrite";

/** How long both Prometheus servers ingest before the figures are read. */
const runSeconds = 120;
const scrapeInterval = "1s";
/** Linux clock ticks per second for /proc/<pid>/stat's utime and stime. */
const clockTicks = 100;

interface Measured {
    readonly samples: number;
    readonly series: number;
    readonly lagSeconds: { readonly median: number; readonly p95: number; readonly max: number };
    readonly rssMiB: { readonly withoutRemoteWrite: number; readonly withRemoteWrite: number; readonly victoriaMetrics: number };
    readonly cpuSeconds: { readonly withoutRemoteWrite: number; readonly withRemoteWrite: number; readonly victoriaMetrics: number };
    readonly bytesPerSample: { readonly prometheusBlock: number; readonly prometheusWal: number; readonly victoriaMetrics: number };
    readonly vmRows: number;
}

function rssMiB(p: Managed): number {
    const status = fs.readFileSync(`/proc/${p.child?.pid}/status`, "utf8");
    return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

function cpuSeconds(p: Managed): number {
    const stat = fs.readFileSync(`/proc/${p.child?.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

function dirBytes(dir: string): number {
    if (!fs.existsSync(dir)) return 0;
    return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
        const p = path.join(dir, e.name);
        return sum + (e.isDirectory() ? dirBytes(p) : e.isFile() ? fs.statSync(p).size : 0);
    }, 0);
}

/** Values of one metric in a /metrics page (summed over its series matching `labelPart`). */
async function scraped(url: string, metric: string, labelPart = ""): Promise<number[]> {
    const body = (await httpGet(`${url}/metrics`)).body;
    return body.split("\n").filter((l) => (l.startsWith(`${metric}{`) || l.startsWith(`${metric} `)) && l.includes(labelPart))
        .map((l) => Number(l.slice(l.lastIndexOf(" ") + 1)));
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const quantile = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN; };

export async function measureRemoteWrite(log: (line: string) => void): Promise<Measured> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-remote-write-"));
    cleanUpOnExit(dir);
    const m = parseStackConfig("bench", { hetznerSshKeyName: "deploy", victoriaMetrics: true }).monitoring;
    const p = (name: string): Managed => ({ name, logFile: path.join(dir, `${name}.log`) });
    const [vm, node, plain, writing] = [p("victoria-metrics"), p("node-exporter"), p("prometheus-plain"), p("prometheus-remote-write")];
    const ports = { vm: await freePort(), node: await freePort(), plain: await freePort(), writing: await freePort() };
    const vmUrl = `http://127.0.0.1:${ports.vm}`;
    try {
        launch(vm, "victoria-metrics", rehearsalVictoriaMetricsArgs(renderedSingle(m, serviceSpecs.victoriaMetrics).command ?? [], path.join(dir, "vm"), ports.vm), dir);
        launch(node, "prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${ports.node}`], dir);
        await ready(vm, 30_000, () => httpOk(`${vmUrl}/health`));
        await ready(node, 30_000, () => httpOk(`http://127.0.0.1:${ports.node}/metrics`));
        // The same scrape for both; only the one adds the stack's rendered remote_write (URL on loopback).
        const remoteWrite = renderRemoteWrite(m).config.map((t) => (t.name === embeddedStoreName ? { ...t, url: `${vmUrl}/api/v1/write` } : t));
        const config = (withRemoteWrite: boolean) => yamlText({
            global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, external_labels: { environment: "bench", host: "bench" } },
            scrape_configs: [{ job_name: "node", static_configs: [{ targets: [`127.0.0.1:${ports.node}`] }] }],
            ...(withRemoteWrite ? { remote_write: remoteWrite } : {}),
        });
        for (const [proc, port, rw] of [[plain, ports.plain, false], [writing, ports.writing, true]] as const) {
            fs.writeFileSync(path.join(dir, `${proc.name}.yml`), config(rw));
            launch(proc, "prometheus", [`--config.file=${path.join(dir, `${proc.name}.yml`)}`, `--storage.tsdb.path=${path.join(dir, `${proc.name}-data`)}`,
                `--web.listen-address=127.0.0.1:${port}`, "--web.enable-admin-api"], dir);
            await ready(proc, 30_000, () => httpOk(`http://127.0.0.1:${port}/-/ready`));
        }
        const writingUrl = `http://127.0.0.1:${ports.writing}`;
        const cpuStart = { plain: cpuSeconds(plain), writing: cpuSeconds(writing), vm: cpuSeconds(vm) };
        log(`remote_write bench: ${runSeconds} s of a 1 s scrape of node-exporter into two Prometheus, one writing to VictoriaMetrics`);
        const lags: number[] = [];
        const until = Date.now() + runSeconds * 1000;
        while (Date.now() < until) {
            await new Promise((r) => setTimeout(r, 1000));
            const [highest] = await scraped(writingUrl, "prometheus_remote_storage_highest_timestamp_in_seconds");
            const [sent] = await scraped(writingUrl, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds", `remote_name="${embeddedStoreName}"`);
            if (sent > 0) lags.push(highest - sent);
            // The same two reads of the other one's /metrics, so the polling costs both the same CPU.
            await scraped(`http://127.0.0.1:${ports.plain}`, "prometheus_remote_storage_highest_timestamp_in_seconds");
            await scraped(`http://127.0.0.1:${ports.plain}`, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds");
        }
        const cpu = { withoutRemoteWrite: cpuSeconds(plain) - cpuStart.plain, withRemoteWrite: cpuSeconds(writing) - cpuStart.writing, victoriaMetrics: cpuSeconds(vm) - cpuStart.vm };
        const rss = { withoutRemoteWrite: rssMiB(plain), withRemoteWrite: rssMiB(writing), victoriaMetrics: rssMiB(vm) };
        const samples = sum(await scraped(writingUrl, "prometheus_tsdb_head_samples_appended_total"));
        const series = sum(await scraped(writingUrl, "prometheus_tsdb_head_series"));
        // Everything sent, then VictoriaMetrics' in-memory parts on disk.
        await waitFor(async () => {
            const [highest] = await scraped(writingUrl, "prometheus_remote_storage_highest_timestamp_in_seconds");
            const [sent] = await scraped(writingUrl, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds", `remote_name="${embeddedStoreName}"`);
            return highest - sent <= 1;
        }, 30_000, "the queue to catch up");
        await httpGet(`${vmUrl}/internal/force_flush`).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 3000));
        const vmRows = sum(await scraped(vmUrl, "vm_rows", 'type="storage/'));
        // A snapshot writes Prometheus' head as a compacted block: what its data costs on disk once out of the WAL.
        const snap = JSON.parse((await httpGet(`${writingUrl}/api/v1/admin/tsdb/snapshot`, "POST")).body) as { data?: { name?: string } };
        const snapshotDir = path.join(dir, `${writing.name}-data`, "snapshots", snap.data?.name ?? "missing");
        const bytesPerSample = {
            prometheusBlock: dirBytes(snapshotDir) / samples,
            prometheusWal: dirBytes(path.join(dir, `${writing.name}-data`, "wal")) / samples,
            victoriaMetrics: dirBytes(path.join(dir, "vm", "data")) / vmRows,
        };
        return { samples, series, lagSeconds: { median: quantile(lags, 0.5), p95: quantile(lags, 0.95), max: Math.max(...lags) }, rssMiB: rss, cpuSeconds: cpu, bytesPerSample, vmRows };
    } finally {
        for (const proc of [writing, plain, node, vm]) await terminate(proc);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The markdown section of bench/results.md. */
export function remoteWriteMarkdown(r: Measured): string {
    const f = (x: number, digits = 1) => x.toFixed(digits);
    const rows = [
        ["remote_write lag (newest sample − newest sent), median / p95 / max", `${f(r.lagSeconds.median)} / ${f(r.lagSeconds.p95)} / ${f(r.lagSeconds.max)} s`],
        ["Prometheus RSS without → with remote_write", `${f(r.rssMiB.withoutRemoteWrite)} → ${f(r.rssMiB.withRemoteWrite)} MiB (+${f(r.rssMiB.withRemoteWrite - r.rssMiB.withoutRemoteWrite)} MiB)`],
        [`Prometheus CPU over ${runSeconds} s without → with remote_write`, `${f(r.cpuSeconds.withoutRemoteWrite, 2)} → ${f(r.cpuSeconds.withRemoteWrite, 2)} s (+${f(100 * (r.cpuSeconds.withRemoteWrite - r.cpuSeconds.withoutRemoteWrite) / runSeconds, 2)} % of a core)`],
        ["VictoriaMetrics RSS / CPU", `${f(r.rssMiB.victoriaMetrics)} MiB / ${f(r.cpuSeconds.victoriaMetrics, 2)} s (${f(100 * r.cpuSeconds.victoriaMetrics / runSeconds, 2)} % of a core)`],
        ["bytes per sample on disk: VictoriaMetrics (data dir / vm_rows)", `${f(r.bytesPerSample.victoriaMetrics, 2)} B (${r.vmRows} rows)`],
        ["bytes per sample on disk: Prometheus block (head snapshot)", `${f(r.bytesPerSample.prometheusBlock, 2)} B (${r.samples} samples, ${r.series} series)`],
        ["bytes per sample on disk: Prometheus WAL (before compaction)", `${f(r.bytesPerSample.prometheusWal, 2)} B`],
    ];
    return [
        "## remote_write cost", "",
        `Two Prometheus 2.42 scraping one node-exporter every ${scrapeInterval} for ${runSeconds} s, one with the stack's rendered remote_write (queue defaults) to VictoriaMetrics 1.79 on its rendered flags. ` +
        "Measured on this shared 2-core machine under other load: figures are indicative, and a 2-minute store has not been merged the way months of data are (VictoriaMetrics compresses older parts further).", "",
        "| measure | value |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`), "",
    ].join("\n");
}

if (require.main === module) {
    const started = Date.now();
    void measureRemoteWrite((line) => console.log(`[bench +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`)).then((r) => {
        const md = `# remote_write benchmark (${new Date().toISOString()})\n\n${remoteWriteMarkdown(r)}`;
        fs.writeFileSync(path.join(__dirname, "remote-write-results.md"), md);
        console.log(md);
    }, (e: unknown) => { console.error(e); process.exitCode = 1; });
}
