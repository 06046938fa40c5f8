// Alert rehearsal: runs the project's own rendered configuration for a stack with Debian's
// binaries (prometheus 2.42, prometheus-alertmanager 0.25, prometheus-redis-exporter, prometheus-blackbox-exporter 0.23,
// redis-server, and optionally prometheus-node-exporter) on loopback, with fakes standing in for
// the apps and the notification services. What is rewritten is listed in rewrite.ts; nothing but
// 127.0.0.1 is contacted.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig, undecryptedSecret } from "../config/parse";
import { type MonitoringConfig } from "../model/stack";
import type { FleetHost } from "../model/fleet";
import { fleetJobNames } from "../render/fleetScrape";
import { specOf, type FakeEndpoints } from "../model/receivers";
import { renderStackFiles } from "../render";
import { alertmanagerConfigFile } from "../render/alertmanager";
import { allServiceSpecs, serviceSpecs, type ServiceSpec, type SpecKey } from "../model/services";
import { remoteWriteTargets } from "../render/remoteWrite";
import { renderedSingle, renderService } from "../render/services";
import type { RenderedFile } from "../render/files";
import { prometheusConfigFile } from "../render/prometheus";
import { rulesDir as renderedRulesDir } from "../render/rules";
import { currentRelease } from "../model/catalog";
import { stagingDir } from "../render/files";
import { alertmanagerSteps, prometheusSteps, releaseFiles, renderSwapScript, shellQuote, swapDeadlineSeconds, type ServiceAccess, type SwapSteps } from "../render/swap";
import { stackRawConfig } from "../config/stackFiles";
import { startFakeApp, type FakeApp } from "./app";
import { startFakeReceivers, waitFor, type FakeReceivers } from "./fakes";
import { cleanUpOnExit, freePort, httpOk, launch, ready, removeDir, tcpOpen, terminate, type Managed } from "./processes";
import { PrometheusApi } from "./prometheusApi";
import { startRedisWorkload, type RedisWorkload } from "./redis";
import { localPaths, rewriteAlertmanager, rewriteBlackbox, rewriteCommand, rewritePrometheus, rewriteRules, scaleDurationMs, type Addresses } from "./rewrite";
import { startFakeSmtp, type FakeSmtp } from "./smtp";
import { startProbeStandIns, type ProbeStandIns, type ProbeStandInOptions } from "./probes";
import { blackboxConfigFile, blackboxSteps, probeTarget } from "../render/probes";
import type { Probe } from "../model/probes";

export { waitFor } from "./fakes";
export { freePort, httpGet } from "./processes";
export { scaleDurationMs } from "./rewrite";

/**
 * The services this harness launches, each with its spec's Debian binary and its rendered command
 * line. A stack that turns on another service is refused until the harness launches it too.
 */
const launchedServices: readonly SpecKey[] = ["prometheus", "alertmanager", "nodeExporter", "redisExporter", "blackboxExporter"];

function debianBinary(spec: ServiceSpec): { readonly binary: string; readonly debianPackage: string } {
    if (spec.rehearsal === "stub") throw new Error(`the rehearsal stands in for ${spec.key} with a stub`);
    return spec.rehearsal;
}

/** Debian binaries the rehearsal runs, and the packages that provide them. */
export const rehearsalBinaries: Readonly<Record<string, string>> = {
    ...Object.fromEntries(launchedServices.map((k) => debianBinary(serviceSpecs[k])).map((b) => [b.binary, b.debianPackage])),
    "redis-server": "redis-server",
    "openssl": "openssl",
    // The swap script reads the services' status with it, as the product does inside the containers.
    "wget": "wget",
    "promtool": "prometheus",
    "amtool": "prometheus-alertmanager",
};

/** How the rehearsal runs one of the stack's Redis servers (the real one is the user's, not ours). */
export interface RedisServerOptions {
    /** redis-server --maxmemory, e.g. "512mb" (seed 004). */
    readonly maxmemory?: string;
    /** Name of another `redis` entry this one replicates (a standby). */
    readonly replicaOf?: string;
}

export interface RehearsalOptions {
    readonly stack: string;
    /** Raw config values over Pulumi.yaml defaults and Pulumi.<stack>.yaml (like `pulumi config set`). */
    readonly overrides?: Record<string, unknown>;
    /** Intervals and `for:` durations are divided by this (floor 1s). */
    readonly timeScale: number;
    /**
     * The `node` job: Debian's node-exporter reading this machine, or a stub that only answers
     * (default; real host metrics make "nobody was notified" checks depend on the machine).
     */
    readonly hostMetrics?: "node-exporter" | "stub";
    /** By `redis[].name`; default: a plain redis-server. */
    readonly redisServers?: Readonly<Record<string, RedisServerOptions>>;
    /** Called once the fake apps run and before Prometheus first scrapes them: their behaviour from the first sample on. */
    readonly setUpApps?: (apps: ReadonlyMap<string, FakeApp>) => void;
    /** How each probe's loopback stand-in behaves, by probe name (rehearsal/probes.ts); default: healthy. */
    readonly probeStandIns?: Readonly<Record<string, ProbeStandInOptions>>;
    /** Lines of progress; default: none. */
    readonly log?: (line: string) => void;
    /**
     * Fleet hosts (issue 13) and, by host name, the address standing in for each (a network
     * namespace, rehearsal/netns.ts): every fleet target is scraped there and nowhere else.
     * `hosts` replaces the stack's own.
     */
    readonly fleet?: { readonly hosts: readonly FleetHost[]; readonly addressByHost: ReadonlyMap<string, string> };
}

export interface Rehearsal {
    readonly stack: string;
    readonly timeScale: number;
    /** The configuration as rehearsed: the stack's, with the receiver endpoints pointing at the fakes. */
    readonly monitoring: MonitoringConfig;
    readonly urls: Readonly<Record<string, string>>;
    readonly prometheus: PrometheusApi;
    readonly fakes: FakeReceivers;
    /** Present when a receiver sends email. */
    readonly smtp?: FakeSmtp;
    /** One fake app per `apps` job. */
    readonly apps: ReadonlyMap<string, FakeApp>;
    /** The probes' loopback stand-ins, when the stack has probes: a fault is `fail(name)` until `recover(name)`. */
    readonly probeStandIns?: ProbeStandIns;
    /** Scaled intervals in ms, for tests that reason about time. */
    readonly timings: { readonly scrapeMs: number; readonly evaluationMs: number; readonly groupWaitMs: number; readonly groupIntervalMs: number };
    /** Directory of the rendered, rewritten files and the processes' logs. */
    readonly dir: string;
    /** Alertmanager's log file (the drill reads its errors there). */
    readonly alertmanagerLog: string;
    /** Prometheus' rule files, as the running Prometheus reads them (through `current`). */
    readonly rulesDir: string;
    scaled(duration: string): number;
    stopRedis(name?: string): Promise<void>;
    startRedis(name?: string): Promise<void>;
    stopAlertmanager(): Promise<void>;
    /** The real node-exporter (hostMetrics "node-exporter" only): its target goes down until started again. */
    stopNodeExporter(): Promise<void>;
    startNodeExporter(): Promise<void>;
    startAlertmanager(): Promise<void>;
    /** Stops Prometheus and starts it again on the same data directory. */
    restartPrometheus(): Promise<void>;
    /** Re-applies the current files through the product's swap script (check, swap, SIGHUP, confirm). */
    reloadPrometheus(): Promise<void>;
    reloadAlertmanager(): Promise<void>;
    /**
     * What `pulumi up` does for a config change: render with these raw values over the current
     * ones (then `edit`, standing in for a renderer bug or version skew), rewrite the files for
     * loopback, stage them and run the product's swap script for Prometheus, then Alertmanager.
     * Returns the new config; throws with the script's output (the checker's message) when a
     * swap fails, and then keeps the previous config.
     */
    applyConfig(overrides: Record<string, unknown>, edit?: (files: RenderedFile[]) => RenderedFile[]): Promise<MonitoringConfig>;
    stop(): Promise<void>;
}

/** Config values that are still undecrypted placeholders get fakes: the rehearsal never sees real credentials. */
function withFakeEndpoints(m: MonitoringConfig, fakes: FakeReceivers, smtp: FakeSmtp | undefined, fleet?: RehearsalOptions["fleet"]): MonitoringConfig {
    const fake = (v: string | undefined, name: string) => (v === undefined || v === undecryptedSecret ? `rehearsal-fake-${name}` : v);
    const at: FakeEndpoints = { url: fakes.url, smarthost: smtp?.smarthost, fake };
    const receivers = m.receivers.map((r) => specOf(r).rehearsal.pointAtFakes(r, at));
    return { ...m, receivers, deadMansSwitchUrl: m.deadMansSwitchUrl === undefined ? undefined : `${fakes.url}/deadmansswitch`, hosts: fleet?.hosts ?? m.hosts };
}

/** The probe `p` aimed at its stand-in's loopback target (the stand-in of the same name). */
function atStandIn(p: Probe, standIns: ReadonlyMap<string, Probe>): Probe {
    const s = standIns.get(p.name);
    if (s === undefined || s.kind !== p.kind) throw new Error(`probe ${p.name} (${p.kind}) has no loopback stand-in; the rehearsal probes nothing else`);
    switch (s.kind) {
        case "http": return { ...p, url: s.url } as Probe;
        case "tcp": return { ...p, target: s.target } as Probe;
        case "icmp": return { ...p, host: s.host } as Probe;
        case "dns": return { ...p, server: s.server } as Probe;
    }
}

function write(dir: string, relativePath: string, content: string): string {
    const file = path.join(dir, relativePath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: 0o600 });
    return file;
}

async function startStub(): Promise<http.Server> {
    const server = http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end("# stand-in for a target the rehearsal does not run\nrehearsal_stub_up 1\n");
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    return server;
}

const promDirName = path.dirname(prometheusConfigFile);
const amDirName = path.dirname(alertmanagerConfigFile);
const bbDirName = path.dirname(blackboxConfigFile);

/**
 * The product's swap steps (render/swap.ts), rewritten for a local process only: SIGHUP by
 * `kill` to its pid instead of `docker kill`, status read with the same wget from loopback
 * instead of inside the container, Debian's promtool/amtool as the checker.
 */
function localAccess(pid: number | undefined, port: number, logFile: string): ServiceAccess {
    return {
        running: pid === undefined ? "false" : `kill -0 ${pid} 2>/dev/null`,
        hangUp: pid === undefined ? "false" : `kill -HUP ${pid}`,
        restart: "false",
        get: (urlPath) => `wget -q -O - ${shellQuote(`http://127.0.0.1:${port}${urlPath}`)}`,
        state: "false",
        logs: `tail -n 15 ${shellQuote(logFile)}`,
    };
}

/** Runs a swap script; rejects with its output (the checker's or the service's message). */
function runSwap(script: string): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("bash", ["-c", script], { encoding: "utf8", timeout: (swapDeadlineSeconds * 2 + 30) * 1000 }, (error, _stdout, stderr) => {
            if (error) reject(new Error(`swap failed (exit ${String(error.code)}):\n${stderr}`));
            else resolve(stderr);
        });
    });
}

export async function startRehearsal(options: RehearsalOptions): Promise<Rehearsal> {
    const log = options.log ?? (() => undefined);
    const scale = options.timeScale;
    if (!(scale >= 1)) throw new Error(`timeScale must be at least 1, got ${scale}`);
    let raw: Record<string, unknown> = { ...stackRawConfig(options.stack), ...(options.overrides ?? {}) };
    const parsed = parseStackConfig(options.stack, raw, { withoutSecrets: true }).monitoring;
    const unlaunched = allServiceSpecs.filter((s) => s.rehearsal !== "stub" && !launchedServices.includes(s.key) && s.settings(parsed) !== undefined);
    if (unlaunched.length > 0) throw new Error(`the rehearsal does not run ${unlaunched.map((s) => s.key).join(", ")} yet`);
    // Its Prometheus would send to the stores' real addresses; only loopback may be contacted.
    if (remoteWriteTargets(parsed).length > 0) throw new Error("the rehearsal does not send remote_write; test/rehearsal/rehearsal-remote-write.test.ts rehearses it on loopback");
    const redisServers = options.redisServers ?? {};
    for (const [name, o] of Object.entries(redisServers)) {
        for (const n of [name, o.replicaOf]) {
            if (n !== undefined && !parsed.redis.some((r) => r.name === n)) throw new Error(`redisServers.${name}: the stack has no redis named ${n}`);
        }
    }

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rehearsal-${options.stack}-`));
    cleanUpOnExit(dir);
    const processes: Managed[] = [];
    const servers: http.Server[] = [];
    const apps = new Map<string, FakeApp>();
    const workloads: RedisWorkload[] = [];
    let fakes: FakeReceivers | undefined;
    let smtp: FakeSmtp | undefined;
    let probeStandIns: ProbeStandIns | undefined;

    const stop = async (): Promise<void> => {
        for (const w of workloads) w.stop();
        await Promise.all(processes.map(terminate));
        await Promise.all([...apps.values()].map((a) => a.close()));
        await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
        await fakes?.close();
        await smtp?.close();
        await probeStandIns?.close();
        removeDir(dir);
    };

    try {
        fakes = await startFakeReceivers();
        if (parsed.receivers.some((r) => r.type === "email")) smtp = await startFakeSmtp(path.join(dir, "smtp"));
        const receiverFakes = fakes;
        const smtpFake = smtp;
        // Every probe target becomes a loopback stand-in before anything is rendered.
        const standIns = parsed.probes.length > 0 ? await startProbeStandIns(path.join(dir, "probes"), parsed.probes, options.probeStandIns) : undefined;
        probeStandIns = standIns;
        const standInByName = new Map((standIns?.probes ?? []).map((p) => [p.name, p]));
        const rehearsed = (m: MonitoringConfig): MonitoringConfig =>
            ({ ...withFakeEndpoints(m, receiverFakes, smtpFake, options.fleet), probes: m.probes.map((p) => atStandIn(p, standInByName)) });
        let monitoring = rehearsed(parsed);
        if (standIns) log(`rehearsal ${options.stack}: probes aimed at loopback stand-ins: ${monitoring.probes.map((p) => `${p.name} → ${probeTarget(p)}`).join(", ")}`);

        const stub = await startStub();
        servers.push(stub);
        const stubAddress = `127.0.0.1:${(stub.address() as net.AddressInfo).port}`;
        for (const app of monitoring.apps) apps.set(app.job, await startFakeApp(app.metricsPath));
        options.setUpApps?.(apps);

        const ports = { prometheus: await freePort(), alertmanager: await freePort(), nodeExporter: await freePort(), blackbox: await freePort() };
        const redisPorts = new Map<string, { redis: number; exporter: number }>();
        for (const r of monitoring.redis) redisPorts.set(r.name, { redis: await freePort(), exporter: await freePort() });
        const realNode = options.hostMetrics === "node-exporter";
        const nodeAddress = `127.0.0.1:${ports.nodeExporter}`;
        // Every service's job, from its spec: a stub stands in for those the rehearsal does not run.
        const byJob = new Map<string, string>();
        for (const spec of allServiceSpecs) {
            for (const i of spec.instances(monitoring)) if (spec.rehearsal === "stub") byJob.set(i.job, stubAddress);
        }
        for (const i of serviceSpecs.nodeExporter.instances(monitoring)) byJob.set(i.job, realNode ? nodeAddress : stubAddress);
        for (const i of serviceSpecs.redisExporter.instances(monitoring)) byJob.set(i.job, `127.0.0.1:${redisPorts.get(i.target ?? "")?.exporter}`);
        for (const [job, a] of apps) byJob.set(job, `127.0.0.1:${a.port}`);
        const blackboxAddress = `127.0.0.1:${ports.blackbox}`;
        for (const i of serviceSpecs.blackboxExporter.instances(monitoring)) byJob.set(i.job, blackboxAddress);
        const addr: Addresses = {
            prometheus: `127.0.0.1:${ports.prometheus}`,
            alertmanager: `127.0.0.1:${ports.alertmanager}`,
            byJob,
            plainHttpJobs: new Set(apps.keys()),
            fleet: { jobs: new Set(fleetJobNames(monitoring)), addressByHost: options.fleet?.addressByHost ?? new Map() },
            blackbox: blackboxAddress,
        };
        log(`rehearsal ${options.stack}: time scale ${scale}: scrape/evaluation intervals, rule for:, group_wait/group_interval/repeat_interval divided by ${scale} (floor 1s)`);

        // Files as on the host: Prometheus' and Alertmanager's staged (rendered, then rewritten for
        // loopback), then made current by the product's swap script; each service reads through
        // <service>/current, exactly as its container does.
        const configDir = path.join(dir, "config");
        const staging = path.join(configDir, stagingDir);
        const promCurrent = path.join(configDir, promDirName, currentRelease);
        const amCurrent = path.join(configDir, amDirName, currentRelease);
        const uid = process.getuid?.() ?? 0;
        const staged = new Map<string, RenderedFile[]>();
        /** Writes one service's files to staging, replacing what was staged before (as Pulumi's file resources do). */
        const stage = (service: string, files: readonly RenderedFile[]): void => {
            fs.rmSync(path.join(staging, service), { recursive: true, force: true });
            for (const f of files) write(staging, f.path, f.content);
            // The local processes run as this user, not as the images' users.
            staged.set(service, files.map((f) => ({ ...f, owner: uid })));
        };
        const stageConfig = (m: MonitoringConfig, edit: (files: RenderedFile[]) => RenderedFile[]): void => {
            const files = edit(renderStackFiles(m, []));
            const swapped = [promDirName, amDirName, bbDirName];
            for (const f of files.filter((x) => !swapped.some((d) => x.path.startsWith(`${d}/`)))) write(configDir, f.path, f.content);
            const main = files.find((f) => f.path === prometheusConfigFile);
            if (!main) throw new Error("no prometheus.yml rendered");
            // Rule paths relative to prometheus.yml: they resolve in the candidate for promtool and through current for Prometheus.
            stage(promDirName, [
                { ...main, content: rewritePrometheus(main.content, addr, scale, ".") },
                ...files.filter((f) => f.path.startsWith(`${renderedRulesDir}/`)).map((f) => ({ ...f, content: rewriteRules(f.content, scale) })),
            ]);
            const amFiles = files.filter((f) => f.path.startsWith(`${amDirName}/`));
            stage(amDirName, amFiles.map((f) => f.path === alertmanagerConfigFile ? { ...f, content: rewriteAlertmanager(files, scale, amCurrent, smtpFake?.caFile) } : f));
            const bbFiles = files.filter((f) => f.path.startsWith(`${bbDirName}/`));
            if (bbFiles.length > 0) {
                if (!standIns) throw new Error("blackbox.yml rendered but no probe stand-ins run");
                stage(bbDirName, bbFiles.map((f) => f.path === blackboxConfigFile ? { ...f, content: rewriteBlackbox(f.content, standIns.caFile) } : f));
            }
        };
        /** The product's swap script for one service, with the local process as the service. */
        const swapScript = (service: string, steps: SwapSteps): string => renderSwapScript({
            service, serviceDir: path.join(configDir, service), stagingDir: path.join(staging, service),
            files: releaseFiles(staged.get(service) ?? [], service), asRoot: false, deadlineSeconds: swapDeadlineSeconds, steps,
        });

        const logs = path.join(dir, "logs");
        fs.mkdirSync(logs);
        const managed = (name: string): Managed => {
            const p: Managed = { name, logFile: path.join(logs, `${name}.log`) };
            processes.push(p);
            return p;
        };

        // Each service runs its rendered command line (render/services.ts), rewritten only for
        // paths and listen addresses (rewrite.ts): every other flag is rehearsed as deployed.
        const places = { configRoot: monitoring.configRoot, localRoot: configDir };
        const localCommand = (m: MonitoringConfig, spec: ServiceSpec, listen: string, dataDir?: string): string[] => {
            const rendered = renderedSingle(m, spec);
            return rewriteCommand(rendered.command ?? [], listen, localPaths(rendered, { ...places, dataDir }));
        };
        const node = realNode ? managed("node-exporter") : undefined;
        const startNodeExporter = async (): Promise<void> => {
            if (!node) throw new Error("this rehearsal stands in for node-exporter with a stub (hostMetrics: stub)");
            // Rendered for this stack even when it turns node-exporter off: the stub stands in then.
            const nodeOn = { ...monitoring, nodeExporter: { ...monitoring.nodeExporter, enabled: true } };
            launch(node, debianBinary(serviceSpecs.nodeExporter).binary, localCommand(nodeOn, serviceSpecs.nodeExporter, nodeAddress), dir);
            await ready(node, 10_000, () => httpOk(`http://${nodeAddress}/metrics`));
        };
        if (node) await startNodeExporter();

        // Redis servers (masters before their replicas), their exporters, and a light workload.
        const redis = new Map<string, Managed>();
        const redisPort = (name: string): number => {
            const p = redisPorts.get(name)?.redis;
            if (p === undefined) throw new Error(`no redis named ${name}`);
            return p;
        };
        const startRedisServer = async (name: string): Promise<void> => {
            const p = redis.get(name);
            if (!p) throw new Error(`no redis named ${name}`);
            const port = redisPort(name);
            const target = monitoring.redis.find((r) => r.name === name);
            const o = redisServers[name] ?? {};
            const data = path.join(dir, `redis-${name}`);
            fs.mkdirSync(data, { recursive: true });
            const auth = target?.password === undefined ? [] : ["--requirepass", target.password, "--masterauth", target.password];
            launch(p, "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", data, "--daemonize", "no",
                ...auth,
                ...(o.maxmemory === undefined ? [] : ["--maxmemory", o.maxmemory, "--maxmemory-policy", "allkeys-lru"]),
                ...(o.replicaOf === undefined ? [] : ["--replicaof", "127.0.0.1", String(redisPort(o.replicaOf))])], data);
            await ready(p, 10_000, () => tcpOpen(port));
        };
        const ordered = [...monitoring.redis].sort((a, b) => Number(redisServers[a.name]?.replicaOf !== undefined) - Number(redisServers[b.name]?.replicaOf !== undefined));
        for (const r of ordered) {
            const rp = redisPorts.get(r.name);
            if (!rp) throw new Error(`no ports for redis ${r.name}`);
            redis.set(r.name, managed(`redis-${r.name}`));
            await startRedisServer(r.name);
            // The exporter is rendered for the loopback Redis: its --redis.addr and the password map's key.
            const local = { ...monitoring, redis: [{ ...r, address: `127.0.0.1:${rp.redis}` }] };
            const [rendered] = renderService(local, serviceSpecs.redisExporter);
            if (!rendered) throw new Error(`redis ${r.name} renders no exporter`);
            for (const f of rendered.files) write(configDir, f.path, f.content);
            const exporter = managed(`redis-exporter-${r.name}`);
            launch(exporter, debianBinary(serviceSpecs.redisExporter).binary,
                rewriteCommand(rendered.command ?? [], `127.0.0.1:${rp.exporter}`, localPaths(rendered, places)), dir);
            await ready(exporter, 10_000, () => httpOk(`http://127.0.0.1:${rp.exporter}/metrics`));
        }
        const scrapeMs = scaleDurationMs(monitoring.prometheus.scrapeInterval, scale);
        for (const r of monitoring.redis) {
            if (redisServers[r.name]?.replicaOf === undefined) workloads.push(startRedisWorkload(redisPort(r.name), scrapeMs, r.password));
        }

        const alertmanager = managed("alertmanager");
        const prometheusProcess = managed("prometheus");
        const blackboxProcess = managed("blackbox-exporter");
        // The pid is read when the script is rendered: before the processes start, the script
        // checks and installs the first release without reloading anything.
        const portOf = (address: string): number => Number(address.split(":").pop());
        const swapPrometheus = (): Promise<string> => runSwap(swapScript(promDirName, prometheusSteps(
            localAccess(prometheusProcess.child?.pid, portOf(addr.prometheus), prometheusProcess.logFile),
            `promtool check config "$candidate/${path.basename(prometheusConfigFile)}"`)));
        const swapAlertmanager = (): Promise<string> => runSwap(swapScript(amDirName, alertmanagerSteps(
            localAccess(alertmanager.child?.pid, portOf(addr.alertmanager), alertmanager.logFile),
            `amtool check-config "$candidate/${path.basename(alertmanagerConfigFile)}"`)));
        // The exporter's modules take the product's swap too, checked by its own --config.check.
        const swapBlackbox = async (m: MonitoringConfig): Promise<void> => {
            if (serviceSpecs.blackboxExporter.settings(m) === undefined) return;
            await runSwap(swapScript(bbDirName, blackboxSteps(
                localAccess(blackboxProcess.child?.pid, ports.blackbox, blackboxProcess.logFile),
                `${debianBinary(serviceSpecs.blackboxExporter).binary} --config.check --config.file="$candidate/${path.basename(blackboxConfigFile)}"`)));
        };
        stageConfig(monitoring, (files) => files);
        await swapPrometheus();
        await swapAlertmanager();
        await swapBlackbox(monitoring);
        if (serviceSpecs.blackboxExporter.settings(monitoring) !== undefined) {
            launch(blackboxProcess, debianBinary(serviceSpecs.blackboxExporter).binary, localCommand(monitoring, serviceSpecs.blackboxExporter, blackboxAddress), dir);
            await ready(blackboxProcess, 10_000, () => httpOk(`http://${blackboxAddress}/-/healthy`));
        }
        const amData = path.join(dir, "alertmanager-data");
        fs.mkdirSync(amData);
        const amUrl = `http://${addr.alertmanager}`;
        const startAlertmanager = async (): Promise<void> => {
            launch(alertmanager, debianBinary(serviceSpecs.alertmanager).binary, localCommand(monitoring, serviceSpecs.alertmanager, addr.alertmanager, amData), dir);
            await ready(alertmanager, 15_000, () => httpOk(`${amUrl}/-/ready`));
        };
        await startAlertmanager();

        const tsdb = path.join(dir, "prometheus-data");
        fs.mkdirSync(tsdb);
        const promUrl = `http://${addr.prometheus}`;
        const startPrometheus = async (): Promise<void> => {
            // Plus the one flag the rehearsal adds: alerts are re-sent on the scaled clock.
            launch(prometheusProcess, debianBinary(serviceSpecs.prometheus).binary, [
                ...localCommand(monitoring, serviceSpecs.prometheus, addr.prometheus, tsdb),
                `--rules.alert.resend-delay=${scaleDurationMs("1m", scale)}ms`,
            ], dir);
            await ready(prometheusProcess, 20_000, () => httpOk(`${promUrl}/-/ready`));
        };
        await startPrometheus();
        const prometheus = new PrometheusApi(promUrl);
        await waitFor(async () => {
            const health = await prometheus.targetHealth();
            return health.size > 0 && [...health.values()].every((hs) => hs.every((h) => h === "up"));
        }, 20_000 + 3 * scrapeMs, "every Prometheus target to be up");

        const urls: Record<string, string> = { prometheus: promUrl, alertmanager: amUrl, fakeReceivers: receiverFakes.url };
        if (smtpFake) urls.fakeSmtp = `smtp://${smtpFake.smarthost}`;
        if (realNode) urls["node-exporter"] = `http://${nodeAddress}/metrics`;
        if (standIns) urls["blackbox-exporter"] = `http://${blackboxAddress}`;
        for (const [job, a] of apps) urls[`app ${job}`] = a.url;
        for (const [name, p] of redisPorts) {
            urls[`redis ${name}`] = `redis://127.0.0.1:${p.redis}`;
            urls[`redis-exporter ${name}`] = `http://127.0.0.1:${p.exporter}/metrics`;
        }
        log(`rehearsal ${options.stack}: ready; files and logs in ${dir}`);

        const oneRedis = (name?: string): string => {
            const n = name ?? monitoring.redis[0]?.name;
            if (n === undefined) throw new Error("the stack has no redis");
            return n;
        };
        const reloadPrometheus = async (): Promise<void> => { await swapPrometheus(); };
        const reloadAlertmanager = async (): Promise<void> => { await swapAlertmanager(); };
        return {
            stack: options.stack,
            timeScale: scale,
            get monitoring() { return monitoring; },
            urls,
            prometheus,
            fakes: receiverFakes,
            smtp: smtpFake,
            apps,
            probeStandIns: standIns,
            dir,
            alertmanagerLog: alertmanager.logFile,
            rulesDir: path.join(promCurrent, path.basename(renderedRulesDir)),
            // Derived from the current config, so they follow applyConfig.
            get timings() {
                return {
                    scrapeMs: scaleDurationMs(monitoring.prometheus.scrapeInterval, scale),
                    evaluationMs: scaleDurationMs(monitoring.prometheus.evaluationInterval, scale),
                    groupWaitMs: scaleDurationMs(monitoring.alertmanager.groupWait, scale),
                    groupIntervalMs: scaleDurationMs(monitoring.alertmanager.groupInterval, scale),
                };
            },
            scaled: (d) => scaleDurationMs(d, scale),
            stopRedis: async (name) => {
                const p = redis.get(oneRedis(name));
                if (p) await terminate(p);
            },
            startRedis: (name) => startRedisServer(oneRedis(name)),
            stopAlertmanager: () => terminate(alertmanager),
            stopNodeExporter: async () => {
                if (!node) throw new Error("this rehearsal stands in for node-exporter with a stub (hostMetrics: stub)");
                await terminate(node);
            },
            startNodeExporter,
            startAlertmanager,
            restartPrometheus: async () => {
                await terminate(prometheusProcess);
                await startPrometheus();
            },
            reloadPrometheus,
            reloadAlertmanager,
            applyConfig: async (overrides, edit = (files) => files) => {
                const next = { ...raw, ...overrides };
                const changed = rehearsed(parseStackConfig(options.stack, next, { withoutSecrets: true }).monitoring);
                stageConfig(changed, edit);
                await swapPrometheus();
                await swapAlertmanager();
                await swapBlackbox(changed);
                raw = next;
                monitoring = changed;
                return changed;
            },
            stop,
        };
    } catch (e) {
        await stop();
        throw e;
    }
}
