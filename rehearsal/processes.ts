// The processes a rehearsal starts: launched with their output in a log file, stopped with
// SIGTERM (SIGKILL after 5 s), and killed when this process exits, even after a failed test.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
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

// Ports for the rehearsal's processes, without a race. The old freePort() bound port 0, closed
// the socket and handed the number out; until the child process bound it, another rehearsal
// running in parallel (another test file) could be handed the same number by the kernel, and one
// in three CI runs failed that way. Now each Node process claims a block of ports with an
// exclusive lock file (open with O_EXCL, holding its pid; blocks of dead processes are reclaimed)
// and hands out ports from its own block only. The blocks lie below the kernel's ephemeral range,
// which listen(0) and outgoing connections draw from, so nothing else of ours lands there by
// chance; a port that something outside this scheme holds anyway is skipped by binding it first.
const portBlockSize = 50;
const firstReservedPort = 20_000;
const portLockDir = path.join(os.tmpdir(), "vps-monitoring-rehearsal-ports");

/** The first port the kernel hands out for listen(0) and outgoing connections (32768 by default). */
function ephemeralPortStart(): number {
    try {
        const first = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
        return Number.isInteger(first) && first > firstReservedPort + portBlockSize ? first : 32_768;
    } catch {
        return 32_768;
    }
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Claims a block for this process: true when its lock file is now ours. */
function claimBlock(lockFile: string): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
            return true;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
            const owner = Number(fs.readFileSync(lockFile, "utf8").trim());
            if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) return false;
            // Left behind by a process that died without its exit hook: reclaim it once.
            fs.rmSync(lockFile, { force: true });
        }
    }
    return false;
}

let portBlock: { readonly first: number; next: number } | undefined;

function ownBlock(): { readonly first: number; next: number } {
    if (portBlock) return portBlock;
    fs.mkdirSync(portLockDir, { recursive: true });
    const blocks = Math.floor((ephemeralPortStart() - firstReservedPort) / portBlockSize);
    // Start at a pid-derived block so parallel processes rarely contend for the same lock.
    for (let i = 0; i < blocks; i++) {
        const block = (process.pid + i) % blocks;
        const lockFile = path.join(portLockDir, `block-${block}.lock`);
        if (!claimBlock(lockFile)) continue;
        process.on("exit", () => fs.rmSync(lockFile, { force: true }));
        const first = firstReservedPort + block * portBlockSize;
        portBlock = { first, next: first };
        return portBlock;
    }
    throw new Error(`no free block of ${portBlockSize} ports below ${ephemeralPortStart()} (locks in ${portLockDir})`);
}

async function bindable(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

/** A loopback port reserved for this process: no other rehearsal is handed the same one. */
export async function freePort(): Promise<number> {
    const block = ownBlock();
    while (block.next < block.first + portBlockSize) {
        const port = block.next++;
        if (await bindable(port)) return port;
    }
    throw new Error(`this process used all ${portBlockSize} ports of its block ${block.first}-${block.first + portBlockSize - 1}`);
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
