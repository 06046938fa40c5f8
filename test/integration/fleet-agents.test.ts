// The fleet's `tls` agents as rendered (render/fleet.ts), run with Debian's exporters on loopback
// with certificates made by openssl the way components/fleet.ts makes them (a CA, a server
// certificate for the address, Prometheus' client certificate): a scrape with the client
// certificate and the password gets metrics; without either it gets nothing. Also the healthcheck
// (busybox wget, as in the images) and the readiness wait for the private address.
import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { fleetAgentUser } from "../../model/fleet";
import { addressPresentScript, agentFiles, agentHealthcheck, agentMount, agentWebConfig, fleetAgents } from "../../render/fleet";
import type { FleetHost } from "../../model/fleet";
import { toolAvailable } from "../externalTools";

/** bcrypt of `password` (cost 10), the form random.RandomPassword's bcryptHash takes. */
const password = "fleet-test-password";
const passwordBcrypt = "$2b$10$JkHUkHV0NkfUsyqZHW8HiO8W9poJEP8jZ/DnXqpv7/KBUZBWheV5G";
const address = "127.0.0.1";
const host: FleetHost = {
    name: "loop", address, labels: {}, agents: true, transport: "tls",
    ssh: { user: "deploy", port: 22, hostKey: "ssh-ed25519 AAAA" }, redis: [{ name: "cache", port: 1 }], apps: [],
};

let dir = "";
const running: ChildProcess[] = [];

function openssl(args: string[]): void {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, `openssl ${args.join(" ")}: ${r.stderr}`);
}

/** A key and a certificate signed by the test CA (`ext`: the extensions, as components/fleet.ts asks for). */
function signed(name: string, subject: string, ext: string): void {
    openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-out", `${name}.crt`, "-extfile", `${name}.ext`]);
}

async function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const server = net.createServer().listen(0, address, () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

/** The rendered command line with the container's paths moved to `agentDir` and the port to `port`. */
function localCommand(kind: "nodeExporter" | "redisExporter", agentDir: string, port: number): string[] {
    const agent = fleetAgents("test", "/opt/monitoring/test", host).find((a) => a.kind === kind);
    assert.ok(agent);
    return agent.command
        .filter((a) => !a.startsWith("--path.") && !a.startsWith("--collector."))
        .map((a) => a.replace(agentMount, agentDir).replace(/^(--web\.listen-address=).*/, `$1${address}:${port}`));
}

async function waitForPort(port: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
        const open = await new Promise<boolean>((resolve) => {
            const socket = net.connect(port, address, () => { socket.destroy(); resolve(true); }).on("error", () => resolve(false));
        });
        if (open) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`nothing listens on ${address}:${port}`);
}

/** curl's HTTP status (000 when TLS refused the connection). */
function scrape(port: number, pathName: string, opts: { clientCert?: boolean; password?: string }): string {
    const args = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", path.join(dir, "ca.crt")];
    if (opts.clientCert) args.push("--cert", path.join(dir, "client.crt"), "--key", path.join(dir, "client.key"));
    if (opts.password !== undefined) args.push("-u", `${fleetAgentUser}:${opts.password}`);
    return spawnSync("curl", [...args, `https://${address}:${port}${pathName}`], { encoding: "utf8" }).stdout;
}

function start(binary: string, args: string[]): ChildProcess {
    const child = spawn(binary, args, { stdio: "ignore" });
    running.push(child);
    return child;
}

before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-agents-"));
});
after(() => {
    for (const child of running) child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
});

function makeCertificates(agentDir: string): void {
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
        "-subj", "/CN=fleet CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    signed("server", `/CN=${address}`, `subjectAltName=IP:${address}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
    signed("client", "/CN=prometheus", "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
    fs.mkdirSync(path.join(agentDir, "tls"), { recursive: true });
    fs.copyFileSync(path.join(dir, "server.crt"), path.join(agentDir, agentFiles.serverCert));
    fs.copyFileSync(path.join(dir, "server.key"), path.join(agentDir, agentFiles.serverKey));
    fs.copyFileSync(path.join(dir, "ca.crt"), path.join(agentDir, agentFiles.clientCa));
    fs.writeFileSync(path.join(agentDir, agentFiles.webConfig), agentWebConfig(passwordBcrypt, agentDir));
}

describe("tls agents with Debian's exporters", () => {
    test("node-exporter with the rendered web config: metrics only with the client certificate and the password", async (t) => {
        if (!["openssl", "curl", "prometheus-node-exporter"].every((tool) => toolAvailable(t, tool))) return;
        const agentDir = path.join(dir, "node");
        makeCertificates(agentDir);
        const port = await freePort();
        start("prometheus-node-exporter", localCommand("nodeExporter", agentDir, port));
        await waitForPort(port);
        assert.equal(scrape(port, "/metrics", { clientCert: true, password }), "200");
        assert.equal(scrape(port, "/metrics", { clientCert: true }), "401", "no password: refused");
        assert.equal(scrape(port, "/metrics", { clientCert: true, password: "wrong" }), "401");
        assert.equal(scrape(port, "/metrics", { password }), "000", "no client certificate: the TLS handshake fails");
    });

    test("the Redis exporter with the rendered TLS flags: metrics only with the client certificate", async (t) => {
        if (!["openssl", "curl", "prometheus-redis-exporter"].every((tool) => toolAvailable(t, tool))) return;
        const agentDir = path.join(dir, "redis");
        makeCertificates(agentDir);
        const port = await freePort();
        start("prometheus-redis-exporter", localCommand("redisExporter", agentDir, port));
        await waitForPort(port);
        assert.equal(scrape(port, "/metrics", { clientCert: true, password }), "200");
        assert.equal(scrape(port, "/metrics", {}), "000", "no client certificate: the TLS handshake fails");
    });

    test("the healthcheck (busybox wget, as in the images) passes while a tls agent listens and fails once it is gone", async (t) => {
        if (!["openssl", "busybox", "prometheus-node-exporter"].every((tool) => toolAvailable(t, tool))) return;
        const agentDir = path.join(dir, "health");
        makeCertificates(agentDir);
        const port = await freePort();
        const child = start("prometheus-node-exporter", localCommand("nodeExporter", agentDir, port));
        await waitForPort(port);
        // busybox's own wget, as `wget` resolves inside the exporter images.
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin, { recursive: true });
        if (!fs.existsSync(path.join(bin, "wget"))) fs.symlinkSync(spawnSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).stdout.trim(), path.join(bin, "wget"));
        const check = () => spawnSync("busybox", ["sh", "-c", agentHealthcheck(address, port, true, "/metrics")], { env: { PATH: `${bin}:/usr/bin:/bin` } }).status;
        assert.equal(check(), 0);
        child.kill();
        await new Promise((r) => child.once("exit", r));
        assert.equal(check(), 1);
    });
});

describe("the readiness wait for the host's address", () => {
    test("returns at once when the address is on an interface, fails with the reason when it is not", (t) => {
        if (!toolAvailable(t, "ip")) return;
        assert.equal(spawnSync("sh", ["-c", addressPresentScript("127.0.0.1", 1)]).status, 0);
        const missing = spawnSync("sh", ["-c", addressPresentScript("192.0.2.77", 1)], { encoding: "utf8" });
        assert.equal(missing.status, 1);
        assert.match(missing.stderr, /address 192\.0\.2\.77 is not on any interface of .*: attach the private network/);
    });
});
