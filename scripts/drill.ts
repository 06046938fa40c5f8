// npm run drill -- <stack> [--url <alertmanager url>] [--log-file <alertmanager log>]
//
// Fire drill: sends a synthetic alert through the stack's Alertmanager to each receiver in turn
// (the drill routes of render/alertmanager.ts deliver it to that receiver only), waits for
// Alertmanager's own notification counters to say delivered or failed, and prints one line per
// receiver with Alertmanager's error for a failure. Exits 1 when any receiver failed.
//
// Where Alertmanager is: `--url` (a local or rehearsal stack); a stack with hostMode local on
// 127.0.0.1:<alertmanagerPort>; any other stack through the SSH tunnel of its outputs
// (`pulumi stack output tunnel`; an Alertmanager port already open locally is used as it is).
// The error text comes from Alertmanager's log: `--log-file`, `docker logs` for a local stack, or
// `docker logs` over the stack's `ssh` output.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import { load } from "js-yaml";
import { parseStackConfig } from "../config/parse";
import { stackRawConfig } from "../config/stackFiles";
import {
    drillAlertname, drillGroupInterval, drillLine, drillOutcome, drillReceiverLabel, drillReceivers, failureFromLog, notificationCounters,
    type DrillReceiver,
} from "../model/drill";
import { stackNames } from "../model/names";
import { durationMs } from "../config/units";

/** Where the drill reaches Alertmanager, and how it reads Alertmanager's log (for the error text). */
export interface DrillTarget {
    /** http://127.0.0.1:<port> */
    readonly alertmanagerUrl: string;
    /** Alertmanager's log lines since `sinceMs` (epoch ms); undefined: no log available. */
    readonly logs?: (sinceMs: number) => Promise<string>;
}

export interface DrillResult {
    readonly receiver: DrillReceiver;
    readonly state: "delivered" | "failed" | "timeout";
    readonly error?: string;
    /** The report line. */
    readonly line: string;
}

export interface DrillOptions {
    /** Per receiver; default: the drill route's group_interval (Alertmanager's retry budget) + 30 s. */
    readonly deadlineMs?: number;
    readonly pollMs?: number;
    /** Each report line as it is known. */
    readonly report?: (line: string) => void;
}

async function request(url: string, init?: RequestInit): Promise<string> {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = await res.text();
    if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${res.status} ${body.slice(0, 200)}`);
    return body;
}

/** The receivers as deployed: the drill receivers of Alertmanager's running configuration. */
export async function deployedDrillReceivers(alertmanagerUrl: string): Promise<DrillReceiver[]> {
    const status = JSON.parse(await request(`${alertmanagerUrl}/api/v2/status`)) as { config?: { original?: string } };
    return drillReceivers(load(status.config?.original ?? ""));
}

function drillAlert(r: DrillReceiver, run: string, startsAt: Date, endsAt: Date): unknown[] {
    return [{
        labels: { alertname: drillAlertname, [drillReceiverLabel]: r.name, drill_run: run },
        annotations: {
            summary: `Fire drill for receiver ${r.name}: please ignore`,
            description: `A test notification sent by npm run drill (run ${run}) to check that ${r.name} (${r.integration}) is reached. Nothing is wrong.`,
        },
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
    }];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function drillOne(target: DrillTarget, r: DrillReceiver, run: string, options: DrillOptions): Promise<DrillResult> {
    const metrics = () => request(`${target.alertmanagerUrl}/metrics`);
    const before = notificationCounters(await metrics(), r);
    const started = Date.now();
    const post = (endsAt: Date) => request(`${target.alertmanagerUrl}/api/v2/alerts`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(drillAlert(r, run, new Date(started), endsAt)),
    });
    await post(new Date(started + 10 * 60_000));
    const deadline = started + (options.deadlineMs ?? durationMs(drillGroupInterval) + 30_000);
    let state: DrillResult["state"] = "timeout";
    try {
        for (;;) {
            const outcome = drillOutcome(before, notificationCounters(await metrics(), r));
            if (outcome.state !== "waiting") {
                state = outcome.state;
                break;
            }
            if (Date.now() >= deadline) break;
            await sleep(options.pollMs ?? 250);
        }
    } finally {
        // Resolve it at once: the drill receivers send no resolved message.
        await post(new Date()).catch(() => undefined);
    }
    const error = state === "delivered" || target.logs === undefined ? undefined
        : failureFromLog(await target.logs(started - 1000).catch((e: unknown) => `err="could not read Alertmanager's log: ${String(e)}"`), r.name);
    return { receiver: r, state, error, line: drillLine(r, { state }, error) };
}

/** Runs the drill against every drill receiver of the running configuration, one at a time. */
export async function runDrill(target: DrillTarget, options: DrillOptions = {}): Promise<DrillResult[]> {
    const receivers = await deployedDrillReceivers(target.alertmanagerUrl);
    if (receivers.length === 0) throw new Error(`Alertmanager at ${target.alertmanagerUrl} has no drill routes: no receivers configured, or a release before the drill (run pulumi up)`);
    const run = new Date().toISOString().replace(/[-:.]/g, "");
    const results: DrillResult[] = [];
    // One at a time: Alertmanager 0.25 counts per integration type only (model/drill.ts).
    for (const r of receivers) {
        const result = await drillOne(target, r, run, options);
        options.report?.(result.line);
        results.push(result);
    }
    return results;
}

// --- command line ---------------------------------------------------------------------------

function portOpen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port });
        socket.once("connect", () => { socket.destroy(); resolve(true); });
        socket.once("error", () => resolve(false));
    });
}

function output(command: string, args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error) reject(new Error(`${command} ${args.join(" ")}: ${stderr || error.message}`));
            else resolve(stdout);
        });
    });
}

interface Args { readonly stack: string; readonly url?: string; readonly logFile?: string }

function parseArgs(argv: readonly string[]): Args {
    const [stack, ...rest] = argv;
    if (!stack || stack.startsWith("-")) throw new Error("usage: npm run drill -- <stack> [--url http://127.0.0.1:9093] [--log-file alertmanager.log]");
    const flag = (name: string) => { const i = rest.indexOf(name); return i < 0 ? undefined : rest[i + 1]; };
    return { stack, url: flag("--url"), logFile: flag("--log-file") };
}

/** The target for the stack, and what to stop afterwards (the tunnel this started). */
async function resolveTarget(args: Args): Promise<{ target: DrillTarget; tunnel?: ChildProcess }> {
    const fileLogs = args.logFile === undefined ? undefined : async () => fs.readFileSync(args.logFile ?? "", "utf8");
    if (args.url !== undefined) return { target: { alertmanagerUrl: args.url.replace(/\/$/, ""), logs: fileLogs } };
    const m = parseStackConfig(args.stack, stackRawConfig(args.stack), { withoutSecrets: true });
    const port = m.monitoring.alertmanager.port;
    const container = stackNames(args.stack).alertmanager.container;
    const since = (ms: number) => new Date(ms).toISOString();
    const alertmanagerUrl = `http://127.0.0.1:${port}`;
    if (m.host.mode === "local") {
        return { target: { alertmanagerUrl, logs: fileLogs ?? ((ms) => output("docker", ["logs", "--since", since(ms), container]).catch((e: unknown) => String(e))) } };
    }
    const outputs = JSON.parse(await output("pulumi", ["stack", "output", "--stack", args.stack, "--json"])) as { tunnel?: string; ssh?: string };
    if (!outputs.tunnel || !outputs.ssh) throw new Error(`stack ${args.stack} has no tunnel and ssh outputs; run pulumi up first`);
    // The outputs are our own renderer's shell-quoted command lines (render/access.ts).
    const logs = fileLogs ?? ((ms: number) => output("sh", ["-c", `${outputs.ssh} docker logs --since ${since(ms)} ${container} 2>&1`]));
    if (await portOpen(port)) return { target: { alertmanagerUrl, logs } };
    // Options go before the destination (anything after it would be a remote command).
    const tunnelCommand = outputs.tunnel.replace(/^ssh /, "ssh -o ExitOnForwardFailure=yes ");
    const tunnel = spawn("sh", ["-c", `exec ${tunnelCommand}`], { stdio: ["ignore", "inherit", "inherit"] });
    const deadline = Date.now() + 30_000;
    while (!(await portOpen(port))) {
        if (tunnel.exitCode !== null || Date.now() > deadline) {
            tunnel.kill();
            throw new Error(`the SSH tunnel (${outputs.tunnel}) did not open 127.0.0.1:${port}`);
        }
        await sleep(200);
    }
    return { target: { alertmanagerUrl, logs }, tunnel };
}

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const { target, tunnel } = await resolveTarget(args);
    try {
        console.log(`Fire drill of stack ${args.stack} through ${target.alertmanagerUrl}: one test notification per receiver`);
        const results = await runDrill(target, { report: (line) => console.log(line) });
        const failed = results.filter((r) => r.state !== "delivered");
        console.log(failed.length === 0 ? `All ${results.length} receivers delivered.` : `${failed.length} of ${results.length} receivers failed.`);
        return failed.length === 0 ? 0 : 1;
    } finally {
        tunnel?.kill();
    }
}

if (require.main === module) {
    main().then((code) => { process.exitCode = code; }, (e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exitCode = 2;
    });
}
