// The processes a rehearsal starts: launched with their output in a log file, stopped with
// SIGTERM (SIGKILL after 5 s), and killed when this process exits, even after a failed test.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { waitFor } from "./fakes";

export interface Managed {
    readonly name: string;
    child?: ChildProcess;
    readonly logFile: string;
}

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

/** Kill every started process and remove every registered directory when Node exits. */
export function cleanUpOnExit(dir: string): void {
    liveDirs.add(dir);
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    process.on("exit", () => {
        for (const child of liveChildren) child.kill("SIGKILL");
        for (const d of liveDirs) fs.rmSync(d, { recursive: true, force: true });
    });
}

export function removeDir(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
    try {
        return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
        return "";
    }
}

export function launch(p: Managed, command: string, args: readonly string[], cwd: string): void {
    const out = fs.openSync(p.logFile, "a");
    const child = spawn(command, args, { cwd, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    liveChildren.add(child);
    child.once("exit", () => liveChildren.delete(child));
    p.child = child;
}

export function running(p: Managed): boolean {
    return p.child !== undefined && p.child.exitCode === null && p.child.signalCode === null;
}

export async function terminate(p: Managed): Promise<void> {
    const child = p.child;
    p.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
}

/** Polls `probe` until it is true; fails early with the log's tail when the process exits. */
export async function ready(p: Managed, deadlineMs: number, probe: () => Promise<boolean>): Promise<void> {
    try {
        await waitFor(async () => {
            if (p.child && p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}`);
            return probe();
        }, deadlineMs, `${p.name} to become ready`);
    } catch (e) {
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- ${p.name} log (${p.logFile}) ---\n${tail(p.logFile)}`);
    }
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

export async function tcpOpen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => { socket.destroy(); resolve(true); });
        socket.once("error", () => resolve(false));
    });
}

export async function httpGet(url: string, method = "GET"): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request(url, { method, timeout: 5000 }, (res) => {
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

export async function httpOk(url: string): Promise<boolean> {
    try {
        return (await httpGet(url)).status === 200;
    } catch {
        return false;
    }
}
