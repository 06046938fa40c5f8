// Pulumi.fleet-example.yaml (issue 13: the bot's primary and standby hosts on the stack's Hetzner
// private network) through the real index.ts under runtime mocks: what a user gets on each host.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { byType, ProgramRun, Registration, runProgram } from "../harness";
import { parseStackConfig } from "../../config/parse";
import { stackRawConfig } from "../../config/stackFiles";
import { fleetAgentPorts } from "../../model/fleet";
import { isPrivateAddress } from "../../config/units";

const redisPasswords = ["primary-redis-SECRET-pw", "standby-redis-SECRET-pw"];
const botToken = "123456:fleet-bot-token-SECRET";
const file = stackRawConfig("fleet-example");
const example = parseStackConfig("fleet-example", file, { withoutSecrets: true });
let run: ProgramRun;

before(async () => {
    const hosts = (file.hosts as Record<string, unknown>[]).map((h, i) => ({
        ...h, redis: (h.redis as Record<string, unknown>[]).map((r) => ({ ...r, password: redisPasswords[i] })),
    }));
    const receivers = (file.receivers as Record<string, unknown>[]).map((r) => ({ ...r, botToken }));
    run = await runProgram("fleet-example", { hosts, receivers }, ["hosts", "receivers"]);
});

const named = (type: string) => byType(run, type);
const containers = () => named("docker:index/container:Container");
const agentContainers = () => containers().filter((c) => (c.inputs.labels as { label: string; value: string }[] | undefined)?.some((l) => l.label === "io.vps-monitoring.fleet-host"));
const hostOfAgent = (c: Registration) => (c.inputs.labels as { label: string; value: string }[]).find((l) => l.label === "io.vps-monitoring.fleet-host")?.value;

test("the example is the two-host primary/standby case on the private network", () => {
    assert.deepEqual(example.monitoring.hosts.map((h) => [h.name, h.address, h.transport]), [
        ["bot-primary", "10.92.3.27", "private-network"], ["bot-standby", "10.92.3.28", "private-network"],
    ]);
    assert.deepEqual(example.privateNetwork, { ipRange: "10.92.0.0/16", subnetRange: "10.92.3.0/24", networkZone: "eu-central" });
});

test("one Docker provider per host, over SSH to the host with its pinned key, and the monitoring host's own", () => {
    const providers = named("pulumi:providers:docker");
    const fleet = providers.filter((p) => p.name.startsWith("fleet-"));
    assert.deepEqual(fleet.map((p) => p.name).sort(), ["fleet-bot-primary-docker", "fleet-bot-standby-docker"]);
    for (const [i, host] of example.monitoring.hosts.entries()) {
        const provider = fleet.find((p) => p.name === `fleet-${host.name}-docker`);
        assert.equal(provider?.inputs.host, `ssh://ops@203.0.113.${27 + i}:22`);
        const opts = JSON.parse(String(provider?.inputs.sshOpts)) as string[];
        assert.ok(opts.includes("StrictHostKeyChecking=yes"), "no trust on first use");
        assert.ok(opts.some((o) => o.startsWith("KnownHostsCommand=") && o.endsWith(host.ssh?.hostKey ?? "-")), "the configured host key is the only one accepted");
    }
});

test("each host runs node-exporter and one Redis exporter, on its own provider, bound only to its private address", () => {
    const agents = agentContainers();
    assert.equal(agents.length, 4);
    for (const host of example.monitoring.hosts) {
        const mine = agents.filter((c) => hostOfAgent(c) === host.name);
        assert.deepEqual(mine.map((c) => c.inputs.name).sort(), ["monitoring-fleet-example-node-exporter", `monitoring-fleet-example-redis-exporter-${host.redis[0].name}`]);
        const ports = fleetAgentPorts(host);
        for (const c of mine) {
            assert.match(c.provider, new RegExp(`::fleet-${host.name}-docker::`), `${String(c.inputs.name)} is deployed by ${host.name}'s own provider`);
            const image = named("docker:index/remoteImage:RemoteImage").find((i) => c.urn.includes(i.name.replace(/-image$/, "")));
            assert.match(image?.provider ?? "", new RegExp(`::fleet-${host.name}-docker::`), "its image is pulled on that host");
            assert.deepEqual(c.inputs.ports ?? [], [], "nothing is published");
            assert.equal(c.inputs.networkMode, "host");
            const listen = (c.inputs.command as string[]).filter((a) => a.startsWith("--web.listen-address="));
            assert.equal(listen.length, 1);
            const port = String(c.inputs.name).includes("redis") ? ports.redisExporters[0] : ports.nodeExporter;
            assert.equal(listen[0], `--web.listen-address=${host.address}:${port}`);
            assert.ok(isPrivateAddress(host.address));
        }
    }
});

test("agent images are pinned and their containers memory-limited, log-rotated and health-checked", () => {
    for (const c of agentContainers()) {
        assert.ok(Number(c.inputs.memory) > 0);
        assert.equal(c.inputs.logDriver, "json-file");
        assert.deepEqual(c.inputs.logOpts, { "max-size": example.monitoring.logMaxSize, "max-file": String(example.monitoring.logMaxFiles) });
        assert.equal(c.inputs.restart, "unless-stopped");
        assert.ok((c.inputs.healthcheck as { tests: string[] }).tests.join(" ").includes(String((c.inputs.command as string[]).find((a) => a.startsWith("--web.listen-address="))?.split("=")[1])));
        assert.match(String(c.inputs.user), /^[1-9]\d*$/);
    }
    const images = named("docker:index/remoteImage:RemoteImage").map((i) => String(i.inputs.name));
    assert.ok(images.includes(example.monitoring.nodeExporter.image) && images.includes(example.monitoring.redisExporter.image));
});

test("the private network: a network, a subnet in the location's zone, and the monitoring server and both hosts attached at fixed addresses", () => {
    const network = named("hcloud:index/network:Network");
    assert.equal(network.length, 1);
    assert.equal(network[0].inputs.ipRange, "10.92.0.0/16");
    const subnet = named("hcloud:index/networkSubnet:NetworkSubnet");
    assert.deepEqual([subnet.length, subnet[0].inputs.ipRange, subnet[0].inputs.networkZone, subnet[0].inputs.type], [1, "10.92.3.0/24", "eu-central", "cloud"]);
    const attachments = named("hcloud:index/serverNetwork:ServerNetwork");
    const byIp = new Map(attachments.map((a) => [String(a.inputs.ip), a]));
    assert.deepEqual([...byIp.keys()].sort(), ["10.92.3.254", "10.92.3.27", "10.92.3.28"]);
    assert.equal(byIp.get("10.92.3.27")?.inputs.serverId, 51234567);
    assert.equal(byIp.get("10.92.3.28")?.inputs.serverId, 51234568);
    // The monitoring server's id is known only once it exists (a mock id here): the attachment depends on it.
    const server = named("hcloud:index/server:Server")[0];
    assert.ok(byIp.get("10.92.3.254")?.dependencies.includes(server.urn), "the monitoring server is attached at the subnet's last usable address");
    for (const a of attachments) assert.equal(a.inputs.subnetId, "fleet-private-subnet-id", "attached in the subnet, which therefore exists first");
});

test("a host's agents wait for its attachment, so they never bind an address that is not there yet", () => {
    for (const host of example.monitoring.hosts) {
        const ready = run.resources.find((r) => r.name === `fleet-${host.name}-ready`);
        const attachment = run.resources.find((r) => r.name === `fleet-private-host-${host.name}`);
        assert.ok(ready && attachment);
        assert.ok(ready.dependencies.includes(attachment.urn), `${host.name}'s readiness gate depends on its attachment`);
        assert.match(String(ready.inputs.create), new RegExp(`grep -qxF '${host.address.replace(/\./g, "\\.")}'`));
        const provider = run.resources.find((r) => r.name === `fleet-${host.name}-docker`);
        assert.ok(provider?.dependencies.includes(ready.urn));
    }
});

test("the firewall stays SSH and ICMP only: the fleet opens nothing on public interfaces", () => {
    const rules = named("hcloud:index/firewall:Firewall")[0].inputs.rules as Record<string, unknown>[];
    assert.deepEqual(rules.map((r) => `${r.direction} ${r.protocol} ${r.port ?? ""}`).sort(), ["in icmp ", "in tcp 22"]);
});

test("the Redis passwords reach the hosts only as secret files, never in a plain input", () => {
    const plain = JSON.stringify(run.resources.map((r) => Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k)))));
    for (const pw of redisPasswords) assert.ok(!plain.includes(pw), "a Redis password is in a plain input");
    const writes = run.resources.filter((r) => r.type === "command:remote:Command" && String(r.inputs.create).includes("redis-password.json"));
    assert.equal(writes.length, 2);
    for (const w of writes) {
        assert.ok(w.secretInputs.includes("stdin"));
        assert.match(String(w.inputs.create), /install -m 0400 -o 59000/);
    }
});

test("every fleet resource is a child of a fleet component, under the host it serves", () => {
    const components = run.resources.filter((r) => r.type.startsWith("vps-monitoring:fleet:"));
    assert.deepEqual(components.map((c) => `${c.type} ${c.name}`).sort(), [
        "vps-monitoring:fleet:Fleet fleet",
        "vps-monitoring:fleet:FleetHostAgents fleet-bot-primary",
        "vps-monitoring:fleet:FleetHostAgents fleet-bot-standby",
        "vps-monitoring:fleet:PrivateNetwork fleet-private",
    ]);
    for (const host of example.monitoring.hosts) {
        const component = components.find((c) => c.name === `fleet-${host.name}`);
        const children = run.resources.filter((r) => r.parent === component?.urn);
        assert.ok(children.length >= 4, `${host.name} has its gate, provider and agents as children`);
        assert.ok(children.every((c) => c.name.startsWith(`fleet-${host.name}-`)));
    }
});
