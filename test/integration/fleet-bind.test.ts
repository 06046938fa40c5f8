// The property the fleet promises, on a real network stack: a host with a private and a public
// address (a network namespace of our own holding both) runs the agents with the command lines
// render/fleet.ts gives them (Debian's exporters), and they answer on the private address only.
import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "child_process";
import type { FleetHost } from "../../model/fleet";
import { fleetAgents } from "../../render/fleet";
import { prerequisiteMissing, Skippable, toolAvailable } from "../externalTools";

const namespace = `vpsm-fleet-${process.pid}`;
const privateAddress = "10.92.3.27";
/** Stands for the host's public address (TEST-NET-3), only ever inside our namespace. */
const publicAddress = "203.0.113.27";
const host: FleetHost = {
    name: "bot-primary", address: privateAddress, labels: {}, agents: true, transport: "private-network", hetznerServerId: 1,
    ssh: { user: "ops", port: 22, hostKey: "ssh-ed25519 AAAA" }, redis: [{ name: "primary", port: 6379 }], apps: [],
};
const isRoot = process.getuid?.() === 0;
const tools = ["ip", "prometheus-node-exporter", "prometheus-redis-exporter"] as const;
const running: ChildProcess[] = [];
let ready = false;

function sh(args: readonly string[]): void {
    const result = spawnSync(args[0], args.slice(1), { encoding: "utf8" });
    assert.equal(result.status, 0, `${args.join(" ")} exited ${result.status}: ${result.stderr}`);
}

/** Whether a TCP connection from inside the namespace to address:port is accepted within a second. */
function connects(address: string, port: number): boolean {
    const client = `const s=require("net").connect(${port},"${address}");s.setTimeout(1000,()=>process.exit(3));` +
        `s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(4));`;
    return spawnSync("ip", ["netns", "exec", namespace, process.execPath, "-e", client]).status === 0;
}

async function until(check: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline) {
        if (check()) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
}

function prerequisites(t: Skippable): boolean {
    if (!isRoot) {
        prerequisiteMissing(t, "network namespaces need root");
        return false;
    }
    return tools.every((tool) => toolAvailable(t, tool));
}

before(() => {
    if (!isRoot || tools.some((tool) => spawnSync(tool, ["--version"]).error)) return;
    sh(["ip", "netns", "add", namespace]);
    sh(["ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"]);
    for (const address of [privateAddress, publicAddress]) sh(["ip", "netns", "exec", namespace, "ip", "addr", "add", `${address}/32`, "dev", "lo"]);
    for (const agent of fleetAgents("test", "/opt/monitoring/test", host)) {
        // The container's host paths (/host/proc…) do not exist here: the exporters read this machine's own.
        const args = agent.command.filter((a) => !a.startsWith("--path."));
        const binary = agent.kind === "nodeExporter" ? "prometheus-node-exporter" : "prometheus-redis-exporter";
        running.push(spawn("ip", ["netns", "exec", namespace, binary, ...args], { stdio: "ignore" }));
    }
    ready = true;
});

after(() => {
    for (const child of running) child.kill();
    if (ready) spawnSync("ip", ["netns", "delete", namespace]);
});

test("node-exporter and the Redis exporter answer on the host's private address and not on its public one", async (t) => {
    if (!prerequisites(t)) return;
    const [node, redis] = fleetAgents("test", "/opt/monitoring/test", host);
    for (const agent of [node, redis]) {
        await until(() => connects(privateAddress, agent.port), `${agent.part} on ${privateAddress}:${agent.port}`);
        assert.equal(connects(publicAddress, agent.port), false, `${agent.part} must not answer on the public address`);
        assert.equal(connects("127.0.0.1", agent.port), false, `${agent.part} listens on the one address only`);
    }
});
