// The metadata block that cloud-init installs, run for real: the rendered script is executed in a
// network namespace standing in for the host, between a "container" namespace (routed through the
// host, like a Docker bridge network) and a "cloud" namespace that owns 169.254.169.254 and a
// second address. Nothing leaves this machine: every address lives in namespaces made here.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ChildProcess, spawn, spawnSync } from "child_process";
import { metadataAddress, metadataBlockComment, metadataBlockScript } from "../../render/cloudInit";
import { prerequisiteMissing, Skippable, toolAvailable } from "../externalTools";
import { inNs, sh } from "../../rehearsal/netns";

const suffix = String(process.pid);
const ns = { host: `vpsm-host-${suffix}`, container: `vpsm-ctr-${suffix}`, cloud: `vpsm-cloud-${suffix}` };
/** An address in the cloud namespace that is not the metadata service: traffic to it must pass. */
const otherAddress = "10.231.2.2";
const port = 80;
const nobody = 65534;

let server: ChildProcess | undefined;
let ready = false;

/** Whether a TCP connection from `namespace` (optionally as `uid`) to address:port succeeds within a second. */
function connects(namespace: string, address: string, uid?: number): boolean {
    const client = `const s=require("net").connect(${port},"${address}");s.setTimeout(1000,()=>process.exit(3));` +
        `s.on("data",()=>process.exit(0));s.on("error",()=>process.exit(4));`;
    const asUser = uid === undefined ? [] : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups"];
    const result = spawnSync("ip", ["netns", "exec", namespace, ...asUser, process.execPath, "-e", client], { encoding: "utf8" });
    return result.status === 0;
}

/** Packets dropped by our rules in the host namespace, by table. */
function dropped(table: string): number {
    const result = spawnSync("ip", ["netns", "exec", ns.host, "iptables", "-w", "-t", table, "-L", "-v", "-x", "-n"], { encoding: "utf8" });
    return result.stdout.split("\n").filter((l) => l.includes(metadataBlockComment))
        .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0]), 0);
}

const tools = ["ip", "iptables", "setpriv"] as const;
const isRoot = process.getuid?.() === 0;

/** Root and the tools, or a skip (a failure in CI) naming what is missing. */
function prerequisites(t: Skippable): boolean {
    if (!isRoot) {
        prerequisiteMissing(t, "network namespaces need root");
        return false;
    }
    return tools.every((tool) => toolAvailable(t, tool));
}

before(async () => {
    if (!isRoot || tools.some((tool) => spawnSync(tool, ["--version"]).error)) return;
    for (const name of Object.values(ns)) sh(["ip", "netns", "add", name]);
    // container <-> host <-> cloud, the host routing between them as it does for Docker bridges.
    sh(["ip", "link", "add", "vpsm-h0", "netns", ns.host, "type", "veth", "peer", "name", "vpsm-c0", "netns", ns.container]);
    sh(["ip", "link", "add", "vpsm-h1", "netns", ns.host, "type", "veth", "peer", "name", "vpsm-m1", "netns", ns.cloud]);
    for (const [name, commands] of [
        [ns.container, [["ip", "addr", "add", "10.231.1.2/24", "dev", "vpsm-c0"], ["ip", "link", "set", "vpsm-c0", "up"],
            ["ip", "link", "set", "lo", "up"], ["ip", "route", "add", "default", "via", "10.231.1.1"]]],
        [ns.host, [["ip", "addr", "add", "10.231.1.1/24", "dev", "vpsm-h0"], ["ip", "addr", "add", "10.231.2.1/24", "dev", "vpsm-h1"],
            ["ip", "link", "set", "vpsm-h0", "up"], ["ip", "link", "set", "vpsm-h1", "up"], ["ip", "link", "set", "lo", "up"],
            ["ip", "route", "add", `${metadataAddress}/32`, "via", otherAddress], ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]]],
        [ns.cloud, [["ip", "addr", "add", `${otherAddress}/24`, "dev", "vpsm-m1"], ["ip", "addr", "add", `${metadataAddress}/32`, "dev", "lo"],
            ["ip", "link", "set", "vpsm-m1", "up"], ["ip", "link", "set", "lo", "up"], ["ip", "route", "add", "default", "via", "10.231.2.1"]]],
    ] as const) {
        for (const command of commands) inNs(name, command);
    }
    // The stand-in metadata service answers on every address of the cloud namespace.
    server = spawn("ip", ["netns", "exec", ns.cloud, process.execPath, "-e",
        `require("net").createServer((s)=>s.end("user-data\\n")).listen(${port},"0.0.0.0",()=>console.log("listening"))`]);
    await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the stand-in metadata service did not start")), 10_000);
        server?.stdout?.on("data", (d: Buffer) => { if (d.toString().includes("listening")) { clearTimeout(timer); resolve(); } });
        server?.on("exit", (code) => { clearTimeout(timer); reject(new Error(`the stand-in metadata service exited ${code}`)); });
    });
    ready = true;
});

after(() => {
    server?.removeAllListeners("exit");
    if (server?.pid !== undefined && server.exitCode === null) server.kill();
    for (const name of Object.values(ns)) spawnSync("ip", ["netns", "del", name]);
});

test("without the block, a container and a non-root user reach the metadata address (the setup routes)", (t) => {
    if (!prerequisites(t)) return;
    assert.ok(ready, "the namespaces were not set up");
    assert.ok(connects(ns.container, metadataAddress), "container → metadata must work before the block, or the test proves nothing");
    assert.ok(connects(ns.host, metadataAddress, nobody), "nobody on the host → metadata must work before the block");
});

test("with the rendered block, containers and non-root users are dropped; root and other traffic pass", (t) => {
    if (!prerequisites(t)) return;
    assert.ok(ready, "the namespaces were not set up");
    // Run twice, as at every boot: the rules are inserted once.
    for (let run = 0; run < 2; run++) inNs(ns.host, ["sh", "-c", metadataBlockScript()]);
    const rules = spawnSync("ip", ["netns", "exec", ns.host, "sh", "-c", "iptables -w -S; iptables -w -t raw -S"], { encoding: "utf8" }).stdout;
    assert.equal(rules.split("\n").filter((l) => l.includes(metadataBlockComment)).length, 2, rules);

    assert.equal(connects(ns.container, metadataAddress), false, "a container reached the metadata service");
    assert.ok(dropped("raw") > 0, "the raw PREROUTING rule dropped the container's packets");
    assert.equal(connects(ns.host, metadataAddress, nobody), false, "a non-root process on the host (host-network container, local user) reached it");
    assert.ok(dropped("filter") > 0, "the OUTPUT rule dropped nobody's packets");

    assert.ok(connects(ns.host, metadataAddress), "root (cloud-init at boot) must keep the metadata service");
    assert.ok(connects(ns.container, otherAddress), "a container's other traffic must pass");
    assert.ok(connects(ns.host, otherAddress, nobody), "a non-root user's other traffic must pass");
});
