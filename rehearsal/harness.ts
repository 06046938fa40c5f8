// Alert rehearsal: runs the project's own rendered configuration for a stack with Debian's
// binaries (prometheus 2.42, prometheus-alertmanager 0.25, prometheus-redis-exporter,
// redis-server, and optionally prometheus-node-exporter) on loopback, with fakes standing in for
// the apps and the notification services. What is rewritten is listed in rewrite.ts; nothing but
// 127.0.0.1 is contacted.
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig, undecryptedSecret, type MonitoringConfig } from "../components/config";
import { specOf, type FakeEndpoints } from "../components/receivers";
import { renderStackFiles } from "../components/render";
import { alertmanagerConfigFile } from "../components/render/alertmanager";
import { nodeExporterCommand, redisExporterCommand } from "../components/render/exporters";
import type { RenderedFile } from "../components/render/files";
import { prometheusConfigFile } from "../components/render/prometheus";
import { stackRawConfig } from "../components/stackFiles";
import { startFakeApp, type FakeApp } from "./app";
import { startFakeReceivers, waitFor, type FakeReceivers } from "./fakes";
import { cleanUpOnExit, freePort, httpGet, httpOk, launch, ready, removeDir, tcpOpen, terminate, type Managed } from "./processes";
import { PrometheusApi } from "./prometheusApi";
import { startRedisWorkload, type RedisWorkload } from "./redis";
import { rewriteAlertmanager, rewriteNodeExporterArgs, rewritePrometheus, rewriteRedisExporterArgs, rewriteRules, scaleDurationMs, type Addresses } from "./rewrite";
import { startFakeSmtp, type FakeSmtp } from "./smtp";

export { waitFor } from "./fakes";
export { freePort, httpGet } from "./processes";
export { scaleDurationMs } from "./rewrite";

/** Debian binaries the rehearsal runs, and the packages that provide them. */
export const rehearsalBinaries: Readonly<Record<string, string>> = {
    "prometheus": "prometheus",
    "prometheus-alertmanager": "prometheus-alertmanager",
    "prometheus-redis-exporter": "prometheus-redis-exporter",
    "prometheus-node-exporter": "prometheus-node-exporter",
    "redis-server": "redis-server",
    "openssl": "openssl",
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
    /** Lines of progress; default: none. */
    readonly log?: (line: string) => void;
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
    /** Scaled intervals in ms, for tests that reason about time. */
    readonly timings: { readonly scrapeMs: number; readonly evaluationMs: number; readonly groupWaitMs: number; readonly groupIntervalMs: number };
    /** Directory of the rendered, rewritten files and the processes' logs. */
    readonly dir: string;
    /** Prometheus' rule files. */
    readonly rulesDir: string;
    scaled(duration: string): number;
    stopRedis(name?: string): Promise<void>;
    startRedis(name?: string): Promise<void>;
    stopAlertmanager(): Promise<void>;
    startAlertmanager(): Promise<void>;
    /** Stops Prometheus and starts it again on the same data directory. */
    restartPrometheus(): Promise<void>;
    reloadPrometheus(): Promise<void>;
    reloadAlertmanager(): Promise<void>;
    /**
     * What `pulumi up` does for a config change: render with these raw values over the current
     * ones, rewrite the files, reload Prometheus and Alertmanager. Returns the new config.
     */
    applyConfig(overrides: Record<string, unknown>): Promise<MonitoringConfig>;
    stop(): Promise<void>;
}

/** Config values that are still undecrypted placeholders get fakes: the rehearsal never sees real credentials. */
function withFakeEndpoints(m: MonitoringConfig, fakes: FakeReceivers, smtp: FakeSmtp | undefined): MonitoringConfig {
    const fake = (v: string | undefined, name: string) => (v === undefined || v === undecryptedSecret ? `rehearsal-fake-${name}` : v);
    const at: FakeEndpoints = { url: fakes.url, smarthost: smtp?.smarthost, fake };
    const receivers = m.receivers.map((r) => specOf(r).rehearsal.pointAtFakes(r, at));
    return { ...m, receivers, deadMansSwitchUrl: m.deadMansSwitchUrl === undefined ? undefined : `${fakes.url}/deadmansswitch` };
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

const promRules = `${path.dirname(prometheusConfigFile)}/rules/`;

export async function startRehearsal(options: RehearsalOptions): Promise<Rehearsal> {
    const log = options.log ?? (() => undefined);
    const scale = options.timeScale;
    if (!(scale >= 1)) throw new Error(`timeScale must be at least 1, got ${scale}`);
    let raw: Record<string, unknown> = { ...stackRawConfig(options.stack), ...(options.overrides ?? {}) };
    const parsed = parseStackConfig(options.stack, raw, { withoutSecrets: true }).monitoring;
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

    const stop = async (): Promise<void> => {
        for (const w of workloads) w.stop();
        await Promise.all(processes.map(terminate));
        await Promise.all([...apps.values()].map((a) => a.close()));
        await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
        await fakes?.close();
        await smtp?.close();
        removeDir(dir);
    };

    try {
        fakes = await startFakeReceivers();
        if (parsed.receivers.some((r) => r.type === "email")) smtp = await startFakeSmtp(path.join(dir, "smtp"));
        const receiverFakes = fakes;
        const smtpFake = smtp;
        let monitoring = withFakeEndpoints(parsed, receiverFakes, smtpFake);

        const stub = await startStub();
        servers.push(stub);
        const stubAddress = `127.0.0.1:${(stub.address() as net.AddressInfo).port}`;
        for (const app of monitoring.apps) apps.set(app.job, await startFakeApp(app.metricsPath));
        options.setUpApps?.(apps);

        const ports = { prometheus: await freePort(), alertmanager: await freePort(), nodeExporter: await freePort() };
        const redisPorts = new Map<string, { redis: number; exporter: number }>();
        for (const r of monitoring.redis) redisPorts.set(r.name, { redis: await freePort(), exporter: await freePort() });
        const realNode = options.hostMetrics === "node-exporter";
        const nodeAddress = `127.0.0.1:${ports.nodeExporter}`;
        const byJob = new Map<string, string>([["grafana", stubAddress], ["node", realNode ? nodeAddress : stubAddress]]);
        for (const r of monitoring.redis) byJob.set(`redis-${r.name}`, `127.0.0.1:${redisPorts.get(r.name)?.exporter}`);
        for (const [job, a] of apps) byJob.set(job, `127.0.0.1:${a.port}`);
        const addr: Addresses = {
            prometheus: `127.0.0.1:${ports.prometheus}`,
            alertmanager: `127.0.0.1:${ports.alertmanager}`,
            byJob,
            plainHttpJobs: new Set(apps.keys()),
        };
        log(`rehearsal ${options.stack}: time scale ${scale}: scrape/evaluation intervals, rule for:, group_wait/group_interval/repeat_interval divided by ${scale} (floor 1s)`);

        // Files: the rendered ones, then the rewritten copies of those that run here.
        const configDir = path.join(dir, "config");
        const promDir = path.join(configDir, path.dirname(prometheusConfigFile));
        const amDir = path.join(configDir, path.dirname(alertmanagerConfigFile));
        const promConfig = path.join(configDir, prometheusConfigFile);
        const amConfig = path.join(configDir, alertmanagerConfigFile);
        const writeConfig = (m: MonitoringConfig): void => {
            const files: RenderedFile[] = renderStackFiles(m, []);
            fs.rmSync(path.join(configDir, promRules), { recursive: true, force: true });
            for (const f of files) write(configDir, f.path, f.content);
            write(configDir, prometheusConfigFile, rewritePrometheus(files.find((f) => f.path === prometheusConfigFile)?.content ?? "", addr, scale, promDir));
            for (const f of files.filter((x) => x.path.startsWith(promRules))) write(configDir, f.path, rewriteRules(f.content, scale));
            write(configDir, alertmanagerConfigFile, rewriteAlertmanager(files, scale, amDir, smtpFake?.caFile));
        };
        writeConfig(monitoring);

        const logs = path.join(dir, "logs");
        fs.mkdirSync(logs);
        const managed = (name: string): Managed => {
            const p: Managed = { name, logFile: path.join(logs, `${name}.log`) };
            processes.push(p);
            return p;
        };

        if (realNode) {
            const node = managed("node-exporter");
            launch(node, "prometheus-node-exporter", rewriteNodeExporterArgs(nodeExporterCommand("127.0.0.1"), nodeAddress), dir);
            await ready(node, 10_000, () => httpOk(`http://${nodeAddress}/metrics`));
        }

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
            const local = { ...r, address: `127.0.0.1:${rp.redis}` };
            const secrets = path.join(configDir, "redis-exporter", r.name, "secrets");
            if (local.password !== undefined) {
                // The rendered password map is keyed by the deployed address; key it by the loopback one.
                write(secrets, "password.json", JSON.stringify({ [`redis://${local.address}`]: local.password }));
            }
            const exporter = managed(`redis-exporter-${r.name}`);
            launch(exporter, "prometheus-redis-exporter", rewriteRedisExporterArgs(redisExporterCommand(local), `127.0.0.1:${rp.exporter}`, secrets), dir);
            await ready(exporter, 10_000, () => httpOk(`http://127.0.0.1:${rp.exporter}/metrics`));
        }
        const scrapeMs = scaleDurationMs(monitoring.prometheus.scrapeInterval, scale);
        for (const r of monitoring.redis) {
            if (redisServers[r.name]?.replicaOf === undefined) workloads.push(startRedisWorkload(redisPort(r.name), scrapeMs, r.password));
        }

        const alertmanager = managed("alertmanager");
        const amData = path.join(dir, "alertmanager-data");
        fs.mkdirSync(amData);
        const amUrl = `http://${addr.alertmanager}`;
        const startAlertmanager = async (): Promise<void> => {
            launch(alertmanager, "prometheus-alertmanager", [`--config.file=${amConfig}`, `--storage.path=${amData}`,
                "--cluster.listen-address=", `--web.listen-address=${addr.alertmanager}`], dir);
            await ready(alertmanager, 15_000, () => httpOk(`${amUrl}/-/ready`));
        };
        await startAlertmanager();

        const prometheusProcess = managed("prometheus");
        const tsdb = path.join(dir, "prometheus-data");
        fs.mkdirSync(tsdb);
        const promUrl = `http://${addr.prometheus}`;
        const startPrometheus = async (): Promise<void> => {
            launch(prometheusProcess, "prometheus", [`--config.file=${promConfig}`, `--storage.tsdb.path=${tsdb}`,
                `--web.listen-address=${addr.prometheus}`, "--web.enable-lifecycle", `--rules.alert.resend-delay=${scaleDurationMs("1m", scale)}ms`], dir);
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
        const post = async (url: string): Promise<void> => {
            const res = await httpGet(url, "POST");
            if (res.status !== 200) throw new Error(`POST ${url}: ${res.status} ${res.body}`);
        };
        const reloadPrometheus = () => post(`${promUrl}/-/reload`);
        const reloadAlertmanager = () => post(`${amUrl}/-/reload`);
        return {
            stack: options.stack,
            timeScale: scale,
            get monitoring() { return monitoring; },
            urls,
            prometheus,
            fakes: receiverFakes,
            smtp: smtpFake,
            apps,
            dir,
            rulesDir: path.join(configDir, promRules),
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
            startAlertmanager,
            restartPrometheus: async () => {
                await terminate(prometheusProcess);
                await startPrometheus();
            },
            reloadPrometheus,
            reloadAlertmanager,
            applyConfig: async (overrides) => {
                const next = { ...raw, ...overrides };
                const changed = withFakeEndpoints(parseStackConfig(options.stack, next, { withoutSecrets: true }).monitoring, receiverFakes, smtpFake);
                writeConfig(changed);
                await reloadPrometheus();
                await reloadAlertmanager();
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
