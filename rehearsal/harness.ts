// Alert rehearsal: runs the project's own rendered configuration for a stack with Debian's
// binaries (prometheus 2.42, prometheus-alertmanager 0.25, prometheus-redis-exporter, redis-server)
// on loopback, with fakes standing in for the apps and the notification services.
//
// What is rewritten, and nothing else: addresses (service names → 127.0.0.1:<free port>),
// intervals (scrape/evaluation, rule `for:`, group_wait/group_interval/repeat_interval, divided by
// timeScale with a floor of 1s), the three secret-file fields Alertmanager 0.25 rejects (via
// forDebianAlertmanager) and receiver endpoints (→ the fake receivers). Only 127.0.0.1 is contacted.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { dump, load } from "js-yaml";
import { containerPaths } from "../components/catalog";
import { durationMs, parseStackConfig, undecryptedSecret, type MonitoringConfig, type Receiver } from "../components/config";
import { renderStackFiles } from "../components/render";
import { alertmanagerConfigFile } from "../components/render/alertmanager";
import { redisExporterCommand } from "../components/render/exporters";
import type { RenderedFile } from "../components/render/files";
import { prometheusConfigFile } from "../components/render/prometheus";
import { alertmanagerSecrets, forDebianAlertmanager } from "../components/render/skew";
import { stackRawConfig } from "../components/stackFiles";
import { startFakeApp, type FakeApp } from "./app";
import { startFakeReceivers, waitFor, type FakeReceivers } from "./fakes";

export { waitFor } from "./fakes";

/** Debian binaries the rehearsal runs, and the packages that provide them. */
export const rehearsalBinaries: Readonly<Record<string, string>> = {
    "prometheus": "prometheus",
    "prometheus-alertmanager": "prometheus-alertmanager",
    "prometheus-redis-exporter": "prometheus-redis-exporter",
    "redis-server": "redis-server",
};

export interface RehearsalOptions {
    readonly stack: string;
    /** Raw config values over Pulumi.yaml defaults and Pulumi.<stack>.yaml (like `pulumi config set`). */
    readonly overrides?: Record<string, unknown>;
    /** Intervals and `for:` durations are divided by this (floor 1s). */
    readonly timeScale: number;
    /** Lines of progress; default: none. */
    readonly log?: (line: string) => void;
}

export interface PromAlert {
    readonly labels: Readonly<Record<string, string>>;
    readonly state: "pending" | "firing" | "inactive";
    readonly activeAt?: string;
}

export interface Rehearsal {
    readonly stack: string;
    readonly timeScale: number;
    readonly monitoring: MonitoringConfig;
    readonly urls: Readonly<Record<string, string>>;
    readonly fakes: FakeReceivers;
    /** One fake app per `apps` job. */
    readonly apps: ReadonlyMap<string, FakeApp>;
    /** Scaled rule `for:` and group timings in ms, for tests that reason about time. */
    readonly timings: { readonly scrapeMs: number; readonly evaluationMs: number; readonly groupWaitMs: number; readonly groupIntervalMs: number };
    /** Directory of the rendered, rewritten files and the processes' logs. */
    readonly dir: string;
    scaled(duration: string): number;
    stopRedis(name?: string): Promise<void>;
    startRedis(name?: string): Promise<void>;
    /** Prometheus' view of its alerts (GET /api/v1/alerts). */
    prometheusAlerts(): Promise<PromAlert[]>;
    /** Prometheus' targets health by job. */
    targetHealth(): Promise<Map<string, string[]>>;
    reloadPrometheus(): Promise<void>;
    reloadAlertmanager(): Promise<void>;
    stop(): Promise<void>;
}

const minimumMs = 1000;

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function records(v: unknown): Record<string, unknown>[] {
    return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** `duration` divided by `scale`, at least 1s, in milliseconds. */
export function scaleDurationMs(duration: string, scale: number): number {
    return Math.max(minimumMs, Math.round(durationMs(duration) / scale));
}

function scaledText(duration: unknown, scale: number): unknown {
    return typeof duration === "string" ? `${scaleDurationMs(duration, scale)}ms` : duration;
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export async function httpGet(url: string, method = "GET"): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request(url, { method, timeout: 2000 }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => { body += c; });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error(`timeout: ${url}`)));
        req.on("error", reject);
        req.end();
    });
}

async function tcpOpen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => { socket.destroy(); resolve(true); });
        socket.once("error", () => resolve(false));
    });
}

function write(dir: string, relativePath: string, content: string): string {
    const file = path.join(dir, relativePath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: 0o600 });
    return file;
}

/** Config values that are still undecrypted placeholders get fakes: the rehearsal never sees real credentials. */
function withFakeEndpoints(m: MonitoringConfig, fakes: FakeReceivers, log: (line: string) => void): MonitoringConfig {
    const fake = (v: string | undefined, name: string) => (v === undefined || v === undecryptedSecret ? `rehearsal-fake-${name}` : v);
    const receivers: Receiver[] = [];
    for (const r of m.receivers) {
        switch (r.type) {
            case "telegram":
                receivers.push({ ...r, botToken: fake(r.botToken, "token").replace(/[^A-Za-z0-9:_-]/g, "_"), apiUrl: fakes.url });
                break;
            case "pagerduty":
                receivers.push({ ...r, routingKey: fake(r.routingKey, "routing-key"), url: `${fakes.url}/v2/enqueue` });
                break;
            case "discord":
                receivers.push({ ...r, webhookUrl: `${fakes.url}/discord/${r.name}` });
                break;
            case "slack":
                receivers.push({ ...r, webhookUrl: `${fakes.url}/slack/${r.name}` });
                break;
            case "webhook":
                receivers.push({ ...r, url: `${fakes.url}/webhook/${r.name}` });
                break;
            case "email":
                log(`receiver ${r.name} (email) left out: the rehearsal has no fake SMTP server`);
                break;
        }
    }
    return {
        ...m, receivers,
        deadMansSwitchUrl: m.deadMansSwitchUrl === undefined ? undefined : `${fakes.url}/deadmansswitch`,
    };
}

interface Addresses {
    readonly prometheus: string;
    readonly alertmanager: string;
    /** Grafana and node-exporter: a stub /metrics endpoint (no Grafana binary; host alerts would be noise). */
    readonly stub: string;
    readonly redisExporters: ReadonlyMap<string, string>;
    readonly apps: ReadonlyMap<string, string>;
}

function rewritePrometheus(content: string, addr: Addresses, scale: number, hostDir: string): string {
    const doc = load(content.replaceAll(`${containerPaths.prometheusConfigDir}/`, `${hostDir}/`));
    if (!isRecord(doc) || !isRecord(doc.global)) throw new Error("prometheus.yml is not a mapping with global");
    for (const key of ["scrape_interval", "scrape_timeout", "evaluation_interval"]) doc.global[key] = scaledText(doc.global[key], scale);
    if (isRecord(doc.alerting)) {
        for (const am of records(doc.alerting.alertmanagers)) {
            for (const sc of records(am.static_configs)) sc.targets = [addr.alertmanager];
        }
    }
    for (const job of records(doc.scrape_configs)) {
        const name = String(job.job_name);
        const target = name === "prometheus" ? addr.prometheus
            : name === "alertmanager" ? addr.alertmanager
                : name === "grafana" || name === "node" ? addr.stub
                    : addr.redisExporters.get(name) ?? addr.apps.get(name);
        if (target === undefined) throw new Error(`prometheus.yml: no loopback stand-in for job ${name}`);
        if (addr.apps.has(name)) job.scheme = "http";
        for (const sc of records(job.static_configs)) sc.targets = [target];
    }
    return dump(doc, { lineWidth: -1, noRefs: true });
}

function rewriteRules(content: string, scale: number): string {
    const doc = load(content);
    if (!isRecord(doc)) throw new Error("rule file is not a mapping");
    for (const group of records(doc.groups)) {
        if (group.interval !== undefined) group.interval = scaledText(group.interval, scale);
        for (const rule of records(group.rules)) if (rule.for !== undefined) rule.for = scaledText(rule.for, scale);
    }
    return dump(doc, { lineWidth: -1, noRefs: true });
}

function scaleRoute(route: Record<string, unknown>, scale: number): void {
    for (const key of ["group_wait", "group_interval", "repeat_interval"]) if (route[key] !== undefined) route[key] = scaledText(route[key], scale);
    for (const child of records(route.routes)) scaleRoute(child, scale);
}

function rewriteAlertmanager(files: readonly RenderedFile[], scale: number, hostDir: string): string {
    const main = files.find((f) => f.path === alertmanagerConfigFile);
    if (!main) throw new Error("no alertmanager.yml rendered");
    const inlined = forDebianAlertmanager(main.content, alertmanagerSecrets(files));
    const doc = load(inlined.replaceAll(`${containerPaths.alertmanagerConfigDir}/`, `${hostDir}/`));
    if (!isRecord(doc) || !isRecord(doc.route)) throw new Error("alertmanager.yml has no route");
    scaleRoute(doc.route, scale);
    return dump(doc, { lineWidth: -1, noRefs: true });
}

interface Managed {
    readonly name: string;
    child?: ChildProcess;
    readonly logFile: string;
}

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    process.on("exit", () => {
        for (const child of liveChildren) child.kill("SIGKILL");
        for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
    });
}

function tail(file: string): string {
    try {
        return fs.readFileSync(file, "utf8").split("\n").slice(-15).join("\n");
    } catch {
        return "";
    }
}

function launch(p: Managed, command: string, args: readonly string[], cwd: string): void {
    const out = fs.openSync(p.logFile, "a");
    const child = spawn(command, args, { cwd, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    liveChildren.add(child);
    child.once("exit", () => liveChildren.delete(child));
    p.child = child;
}

async function terminate(p: Managed): Promise<void> {
    const child = p.child;
    p.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
}

async function ready(p: Managed, deadlineMs: number, probe: () => Promise<boolean>): Promise<void> {
    try {
        await waitFor(async () => {
            if (p.child && p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}`);
            return probe();
        }, deadlineMs, `${p.name} to become ready`);
    } catch (e) {
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- ${p.name} log (${p.logFile}) ---\n${tail(p.logFile)}`);
    }
}

async function httpOk(url: string): Promise<boolean> {
    try {
        return (await httpGet(url)).status === 200;
    } catch {
        return false;
    }
}

async function startStub(): Promise<http.Server> {
    const server = http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end("# stand-in for grafana and node-exporter\nrehearsal_stub_up 1\n");
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    return server;
}

export async function startRehearsal(options: RehearsalOptions): Promise<Rehearsal> {
    const log = options.log ?? (() => undefined);
    const scale = options.timeScale;
    if (!(scale >= 1)) throw new Error(`timeScale must be at least 1, got ${scale}`);
    installExitHook();
    const raw = { ...stackRawConfig(options.stack), ...(options.overrides ?? {}) };
    const parsed = parseStackConfig(options.stack, raw, { withoutSecrets: true }).monitoring;

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rehearsal-${options.stack}-`));
    liveDirs.add(dir);
    const processes: Managed[] = [];
    const servers: http.Server[] = [];
    const apps = new Map<string, FakeApp>();
    let fakes: FakeReceivers | undefined;

    const stop = async (): Promise<void> => {
        await Promise.all(processes.map(terminate));
        await Promise.all([...apps.values()].map((a) => a.close()));
        await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
        await fakes?.close();
        fs.rmSync(dir, { recursive: true, force: true });
        liveDirs.delete(dir);
    };

    try {
        fakes = await startFakeReceivers();
        const monitoring = withFakeEndpoints(parsed, fakes, log);
        const files = renderStackFiles(monitoring, []);

        const stub = await startStub();
        servers.push(stub);
        const stubPort = (stub.address() as net.AddressInfo).port;
        for (const app of monitoring.apps) apps.set(app.job, await startFakeApp(app.metricsPath));

        const ports = { prometheus: await freePort(), alertmanager: await freePort() };
        const redisPorts = new Map<string, { redis: number; exporter: number }>();
        for (const r of monitoring.redis) redisPorts.set(r.name, { redis: await freePort(), exporter: await freePort() });
        const addr: Addresses = {
            prometheus: `127.0.0.1:${ports.prometheus}`,
            alertmanager: `127.0.0.1:${ports.alertmanager}`,
            stub: `127.0.0.1:${stubPort}`,
            redisExporters: new Map(monitoring.redis.map((r) => [`redis-${r.name}`, `127.0.0.1:${redisPorts.get(r.name)?.exporter}`])),
            apps: new Map([...apps].map(([job, a]) => [job, `127.0.0.1:${a.port}`])),
        };
        log(`rehearsal ${options.stack}: time scale ${scale}: scrape/evaluation intervals, rule for:, group_wait/group_interval/repeat_interval divided by ${scale} (floor 1s)`);

        // Files: the rendered ones, then the rewritten copies of the three that run here.
        const configDir = path.join(dir, "config");
        for (const f of files) write(configDir, f.path, f.content);
        const promDir = path.join(configDir, path.dirname(prometheusConfigFile));
        const promConfig = write(configDir, prometheusConfigFile, rewritePrometheus(
            files.find((f) => f.path === prometheusConfigFile)?.content ?? "", addr, scale, promDir));
        for (const f of files.filter((x) => x.path.startsWith(`${path.dirname(prometheusConfigFile)}/rules/`))) {
            write(configDir, f.path, rewriteRules(f.content, scale));
        }
        const amDir = path.join(configDir, path.dirname(alertmanagerConfigFile));
        const amConfig = write(configDir, alertmanagerConfigFile, rewriteAlertmanager(files, scale, amDir));

        const logs = path.join(dir, "logs");
        fs.mkdirSync(logs);
        const managed = (name: string): Managed => {
            const p: Managed = { name, logFile: path.join(logs, `${name}.log`) };
            processes.push(p);
            return p;
        };

        // Redis servers and their exporters.
        const redis = new Map<string, Managed>();
        const startRedisServer = async (name: string): Promise<void> => {
            const p = redis.get(name);
            const port = redisPorts.get(name)?.redis;
            if (!p || port === undefined) throw new Error(`no redis named ${name}`);
            const data = path.join(dir, `redis-${name}`);
            fs.mkdirSync(data, { recursive: true });
            launch(p, "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", data, "--daemonize", "no"], data);
            await ready(p, 10_000, () => tcpOpen(port));
        };
        for (const r of monitoring.redis) {
            redis.set(r.name, managed(`redis-${r.name}`));
            await startRedisServer(r.name);
            const ports2 = redisPorts.get(r.name);
            if (!ports2) throw new Error("unreachable");
            const local = { ...r, address: `127.0.0.1:${ports2.redis}` };
            const args = redisExporterCommand(local).map((a) =>
                a.startsWith("--web.listen-address=") ? `--web.listen-address=127.0.0.1:${ports2.exporter}`
                    : a.replace(`${containerPaths.redisExporterSecretsDir}/`, `${path.join(configDir, "redis-exporter", r.name, "secrets")}/`));
            if (local.password !== undefined) {
                // The rendered password map is keyed by the deployed address; key it by the loopback one.
                write(configDir, `redis-exporter/${r.name}/secrets/password.json`, JSON.stringify({ [`redis://${local.address}`]: local.password }));
            }
            const exporter = managed(`redis-exporter-${r.name}`);
            launch(exporter, "prometheus-redis-exporter", args, dir);
            await ready(exporter, 10_000, () => httpOk(`http://127.0.0.1:${ports2.exporter}/metrics`));
        }

        const alertmanager = managed("alertmanager");
        const amData = path.join(dir, "alertmanager-data");
        fs.mkdirSync(amData);
        launch(alertmanager, "prometheus-alertmanager", [`--config.file=${amConfig}`, `--storage.path=${amData}`,
            "--cluster.listen-address=", `--web.listen-address=${addr.alertmanager}`], dir);
        const amUrl = `http://${addr.alertmanager}`;
        await ready(alertmanager, 15_000, () => httpOk(`${amUrl}/-/ready`));

        const prometheus = managed("prometheus");
        const tsdb = path.join(dir, "prometheus-data");
        fs.mkdirSync(tsdb);
        const resendMs = scaleDurationMs("1m", scale);
        launch(prometheus, "prometheus", [`--config.file=${promConfig}`, `--storage.tsdb.path=${tsdb}`,
            `--web.listen-address=${addr.prometheus}`, "--web.enable-lifecycle", `--rules.alert.resend-delay=${resendMs}ms`], dir);
        const promUrl = `http://${addr.prometheus}`;
        await ready(prometheus, 20_000, () => httpOk(`${promUrl}/-/ready`));

        const targetHealth = async (): Promise<Map<string, string[]>> => {
            const res = await httpGet(`${promUrl}/api/v1/targets?state=active`);
            const doc: unknown = JSON.parse(res.body);
            const out = new Map<string, string[]>();
            const targets = isRecord(doc) && isRecord(doc.data) ? records(doc.data.activeTargets) : [];
            for (const t of targets) {
                const job = isRecord(t.labels) ? String(t.labels.job) : "";
                out.set(job, [...(out.get(job) ?? []), String(t.health)]);
            }
            return out;
        };
        const scrapeMs = scaleDurationMs(monitoring.prometheus.scrapeInterval, scale);
        await waitFor(async () => {
            const health = await targetHealth();
            return health.size > 0 && [...health.values()].every((hs) => hs.every((h) => h === "up"));
        }, 20_000 + 3 * scrapeMs, "every Prometheus target to be up");

        const urls: Record<string, string> = { prometheus: promUrl, alertmanager: amUrl, fakeReceivers: fakes.url };
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
        const receivers = fakes;
        return {
            stack: options.stack,
            timeScale: scale,
            monitoring,
            urls,
            fakes: receivers,
            apps,
            dir,
            timings: {
                scrapeMs,
                evaluationMs: scaleDurationMs(monitoring.prometheus.evaluationInterval, scale),
                groupWaitMs: scaleDurationMs(monitoring.alertmanager.groupWait, scale),
                groupIntervalMs: scaleDurationMs(monitoring.alertmanager.groupInterval, scale),
            },
            scaled: (d) => scaleDurationMs(d, scale),
            stopRedis: async (name) => {
                const p = redis.get(oneRedis(name));
                if (p) await terminate(p);
            },
            startRedis: (name) => startRedisServer(oneRedis(name)),
            prometheusAlerts: async () => {
                const doc: unknown = JSON.parse((await httpGet(`${promUrl}/api/v1/alerts`)).body);
                const alerts = isRecord(doc) && isRecord(doc.data) ? records(doc.data.alerts) : [];
                return alerts.map((a) => ({
                    labels: isRecord(a.labels) ? Object.fromEntries(Object.entries(a.labels).map(([k, v]) => [k, String(v)])) : {},
                    state: a.state === "firing" ? "firing" : a.state === "pending" ? "pending" : "inactive",
                    activeAt: typeof a.activeAt === "string" ? a.activeAt : undefined,
                }));
            },
            targetHealth,
            reloadPrometheus: () => post(`${promUrl}/-/reload`),
            reloadAlertmanager: () => post(`${amUrl}/-/reload`),
            stop,
        };
    } catch (e) {
        await stop();
        throw e;
    }
}
