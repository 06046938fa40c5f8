// Loopback stand-ins for the stack's probe targets: the rehearsal never probes anything but
// 127.0.0.1. Each http(s) probe gets a local server (HTTPS with a certificate from a rehearsal CA
// made with openssl, valid for as many days as the test asks), each tcp probe a local listener (or
// a port nobody listens on), each icmp probe 127.0.0.1. The blackbox exporter trusts the CA
// (rewrite.ts rewriteBlackbox). DNS probes have no stand-in: a stack with one is refused.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import type { Probe } from "../model/probes";
import { freePort } from "./processes";

/** How a probe's stand-in behaves; by default a healthy server with a certificate valid for a year. */
export interface ProbeStandInOptions {
    /** HTTP status every request gets (default 200). */
    readonly status?: number;
    /** Days the stand-in's certificate stays valid (default 365). */
    readonly certificateDays?: number;
    /** Nothing listens on the port: the connection is refused. */
    readonly closed?: boolean;
}

export interface ProbeStandIns {
    /** The probes with their targets moved to the stand-ins. */
    readonly probes: readonly Probe[];
    /** The rehearsal CA, which signed every stand-in certificate. */
    readonly caFile: string;
    /**
     * Makes the stand-in of probe `name` fail the way its kind fails for users until `recover`:
     * an http stand-in answers 500, a tcp stand-in stops listening (the connection is refused).
     */
    fail(name: string): Promise<void>;
    recover(name: string): Promise<void>;
    close(): Promise<void>;
}

/** Status an http stand-in answers while failed (a 5xx no probe accepts by default). */
export const failingStatus = 500;

function openssl(args: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
        execFile("openssl", args, { timeout: 30_000 }, (error, _stdout, stderr) => {
            if (error) reject(new Error(`probe stand-ins: \`openssl ${args.join(" ")}\` failed: ${error.message}\n${String(stderr).trim()}`));
            else resolve();
        });
    });
}

/** A key and a certificate for 127.0.0.1, signed by the CA, valid for `days` from now. */
async function certificate(dir: string, name: string, days: number, ca: { key: string; cert: string }): Promise<{ key: string; cert: string }> {
    const key = path.join(dir, `${name}.key`);
    const csr = path.join(dir, `${name}.csr`);
    const cert = path.join(dir, `${name}.crt`);
    const ext = path.join(dir, `${name}.ext`);
    fs.writeFileSync(ext, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
    await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr, "-subj", `/CN=${name}`]);
    await openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-days", String(days), "-extfile", ext, "-out", cert]);
    return { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(cert, "utf8") };
}

function listening(server: net.Server, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
    });
}

/** Starts a stand-in per probe (options by probe name) below `dir`. */
export async function startProbeStandIns(dir: string, probes: readonly Probe[], options: Readonly<Record<string, ProbeStandInOptions>> = {}): Promise<ProbeStandIns> {
    for (const name of Object.keys(options)) {
        if (!probes.some((p) => p.name === name)) throw new Error(`probe stand-ins: the stack has no probe named ${name}`);
    }
    fs.mkdirSync(dir, { recursive: true });
    const ca = { key: path.join(dir, "ca.key"), cert: path.join(dir, "ca.crt") };
    await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca.key, "-out", ca.cert, "-days", "3650", "-subj", "/CN=vps-monitoring rehearsal CA"]);
    const servers: net.Server[] = [];
    const serve = async (server: net.Server, port: number): Promise<void> => {
        await listening(tracked(server), port);
        servers.push(server);
    };
    /** What fail and recover do, by probe name. */
    const switches = new Map<string, { fail(): Promise<void>; recover(): Promise<void> }>();
    const moved: Probe[] = [];
    for (const p of probes) {
        const o = options[p.name] ?? {};
        const port = await freePort();
        const secure = (p.kind === "http" && p.url.startsWith("https:")) || (p.kind === "tcp" && p.tls);
        const credentials = secure && !o.closed ? await certificate(dir, p.name, o.certificateDays ?? 365, ca) : undefined;
        switch (p.kind) {
            case "http": {
                let status = o.status ?? 200;
                const handler: http.RequestListener = (_req, res) => { res.writeHead(status, { "content-type": "text/plain" }).end("ok\n"); };
                if (!o.closed) await serve(credentials ? https.createServer(credentials, handler) : http.createServer(handler), port);
                const healthy = status;
                switches.set(p.name, { fail: async () => { status = failingStatus; }, recover: async () => { status = healthy; } });
                const url = new URL(p.url);
                moved.push({ ...p, url: `${url.protocol}//127.0.0.1:${port}${url.pathname}${url.search}` });
                break;
            }
            case "tcp": {
                const listen = async (): Promise<net.Server> => {
                    const server = credentials ? tls.createServer(credentials, (s) => s.end()) : net.createServer((s) => s.end());
                    await serve(server, port);
                    return server;
                };
                let server = o.closed ? undefined : await listen();
                switches.set(p.name, {
                    fail: async () => {
                        const closing = server;
                        server = undefined;
                        if (closing === undefined) return;
                        servers.splice(servers.indexOf(closing), 1);
                        await closeServer(closing);
                    },
                    recover: async () => { server ??= o.closed ? undefined : await listen(); },
                });
                moved.push({ ...p, target: `127.0.0.1:${port}` });
                break;
            }
            case "icmp":
                moved.push({ ...p, host: "127.0.0.1" });
                break;
            case "dns":
                throw new Error(`probe ${p.name}: the rehearsal has no DNS stand-in and never asks a real resolver; leave dns probes out of rehearsed stacks`);
        }
    }
    const switchOf = (name: string) => {
        const s = switches.get(name);
        if (s === undefined) throw new Error(`probe stand-ins: ${name} is not an http or tcp probe of this stack (an icmp stand-in is 127.0.0.1 itself)`);
        return s;
    };
    return {
        probes: moved,
        caFile: ca.cert,
        fail: async (name) => switchOf(name).fail(),
        recover: async (name) => switchOf(name).recover(),
        close: async () => { await Promise.all(servers.splice(0).map(closeServer)); },
    };
}

/** Open connections of each stand-in, so closing one never waits for a client. */
const connections = new WeakMap<net.Server, Set<net.Socket>>();

function tracked<S extends net.Server>(server: S): S {
    const open = new Set<net.Socket>();
    connections.set(server, open);
    server.on("connection", (c: net.Socket) => {
        open.add(c);
        c.once("close", () => open.delete(c));
    });
    return server;
}

/** Stops listening and drops open connections (a closed port refuses at once). */
function closeServer(s: net.Server): Promise<void> {
    return new Promise<void>((resolve) => {
        s.close(() => resolve());
        for (const c of connections.get(s) ?? []) c.destroy();
    });
}

/** Whether a probe target is on loopback (the only place the rehearsal probes). */
export function isLoopbackTarget(target: string): boolean {
    const host = /^[a-z]+:\/\//.test(target) ? new URL(target).hostname : target.replace(/:\d+$/, "");
    return host === "127.0.0.1";
}
