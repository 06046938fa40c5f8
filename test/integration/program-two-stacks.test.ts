// Two stacks of this program on one host (prod and staging on the same SSH host), under runtime
// mocks: nothing that Docker or the file system names is shared, nothing is called like the
// containers and networks a user already has, and existing stacks keep their data volumes.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { Registration } from "../harness";
import { stackRawConfig } from "../../config/stackFiles";

const sameHost = { hostMode: "ssh", sshHost: "10.0.0.5", sshUser: "deploy" };
/** What the README asks of a second stack on a host: its own loopback ports and subnet. */
const stagingBeside = { prometheusPort: 9190, alertmanagerPort: 9193, grafanaPort: 3002, dockerSubnet: "172.31.0.0/24" };

/** Names a user's own compose stack is likely to use already. */
const plainNames = ["prometheus", "alertmanager", "grafana", "node-exporter", "redis-exporter", "redis-exporter-main", "monitoring", "monitoring_default"];
/** Host paths every node-exporter reads (read-only): shared by nature, not a collision. */
const hostReadOnly = ["/", "/proc", "/sys"];

async function dump(stack: string, overrides: Record<string, unknown>): Promise<Registration[]> {
    const { stdout } = await promisify(execFile)(process.execPath,
        ["--import", "tsx", path.join(__dirname, "..", "dumpProgram.ts"), stack, JSON.stringify(overrides)],
        { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout) as Registration[];
}

const receiversWith = (stack: string, secret: Record<string, string>) =>
    (stackRawConfig(stack).receivers as Record<string, unknown>[]).map((r) => ({ ...r, ...secret }));

let prod: Registration[];
let staging: Registration[];

before(async () => {
    [prod, staging] = await Promise.all([
        dump("prod", { ...sameHost, receivers: receiversWith("prod", { botToken: "1:TOKEN" }) }),
        dump("staging", { ...sameHost, ...stagingBeside, receivers: receiversWith("staging", { webhookUrl: "https://discord.example/api/webhooks/1" }) }),
    ]);
});

const ofType = (run: Registration[], type: string) => run.filter((r) => r.type === type);
const containers = (run: Registration[]) => ofType(run, "docker:index/container:Container");
type Attachment = { name: string; aliases?: string[] };
const attachments = (c: Registration) => (c.inputs.networksAdvanced as Attachment[] | undefined) ?? [];
const appNetworks = (stack: string) => (stackRawConfig(stack).appNetworks as string[] | undefined) ?? [];

/** Everything one stack claims on the host, by kind. */
function claims(run: Registration[], stack: string): Record<string, string[]> {
    const own = (n: string) => !appNetworks(stack).includes(n);
    return {
        container: containers(run).map((c) => String(c.inputs.name)),
        network: [...ofType(run, "docker:index/network:Network").map((n) => String(n.inputs.name)),
            ...containers(run).flatMap((c) => attachments(c).map((a) => a.name)).filter(own)],
        volume: ofType(run, "docker:index/volume:Volume").map((v) => String(v.inputs.name)),
        "config directory": containers(run).flatMap((c) => ((c.inputs.volumes as { hostPath?: string }[] | undefined) ?? [])
            .map((v) => v.hostPath).filter((p): p is string => p !== undefined && !hostReadOnly.includes(p))),
        "loopback port": containers(run).flatMap((c) => ((c.inputs.ports as { external: number }[] | undefined) ?? []).map((p) => String(p.external))),
        "node-exporter address": containers(run).flatMap((c) => ((c.inputs.command as string[] | undefined) ?? [])
            .filter((f) => c.inputs.networkMode === "host" && f.startsWith("--web.listen-address="))),
    };
}

test("prod and staging on one host share no container, network, volume, config directory, port or listen address", () => {
    const a = claims(prod, "prod");
    const b = claims(staging, "staging");
    for (const kind of Object.keys(a)) {
        assert.ok(a[kind].length > 0 && b[kind].length > 0, `both stacks claim some ${kind}`);
        const shared = a[kind].filter((x) => b[kind].includes(x));
        assert.deepEqual(shared, [], `prod and staging both claim ${kind} ${shared.join(", ")}`);
    }
    assert.equal(containers(prod).length, 5);
    assert.equal(ofType(prod, "docker:index/volume:Volume").length, 3);
});

test("no container, network or volume is named like one a user would create", () => {
    for (const [stack, run] of [["prod", prod], ["staging", staging]] as const) {
        const { container, network, volume } = claims(run, stack);
        for (const name of [...container, ...network, ...volume]) {
            assert.ok(!plainNames.includes(name), `${stack} claims the plain name ${name}`);
            assert.ok(name.startsWith(`monitoring-${stack}`), `${name} does not carry the stack ${stack}`);
        }
    }
});

test("short aliases exist only on the stack's own network, so two stacks on one app network never answer for each other", () => {
    for (const [stack, run] of [["prod", prod], ["staging", staging]] as const) {
        const ownNetwork = String(ofType(run, "docker:index/network:Network")[0].inputs.name);
        assert.equal(ownNetwork, `monitoring-${stack}`);
        for (const c of containers(run)) {
            for (const a of attachments(c)) {
                if (a.name === ownNetwork) assert.equal(a.aliases?.length, 1, `${String(c.inputs.name)} has its short alias on ${ownNetwork}`);
                else assert.deepEqual(a.aliases ?? [], [], `${String(c.inputs.name)} carries an alias on the shared network ${a.name}`);
            }
        }
    }
    // Both join the app network: that is the one place they meet, and there by unique names only.
    const onApp = (run: Registration[]) => containers(run).filter((c) => attachments(c).some((a) => a.name === "quantum_trader")).map((c) => String(c.inputs.name));
    assert.ok(onApp(prod).length > 0 && onApp(staging).length > 0);
});

test("Prometheus addresses Alertmanager and its exporters by names no other container on the app network has", () => {
    for (const [stack, run] of [["prod", prod], ["staging", staging]] as const) {
        const config = run.find((r) => r.name.endsWith("-files-prometheus/prometheus.yml"));
        const text = String(config?.inputs.stdin);
        assert.match(text, new RegExp(`- monitoring-${stack}-alertmanager:9093`), `${stack}'s Prometheus alerts its own Alertmanager`);
        assert.match(text, new RegExp(`- monitoring-${stack}-redis-exporter-main:9121`));
        assert.doesNotMatch(text, /- (alertmanager|grafana|redis-exporter-main):\d+/, `${stack}'s prometheus.yml uses a short name`);
    }
});

test("an existing stack keeps its data volumes: same resource names, the name fixed at creation, mounted by the volume's own name", () => {
    const urnName = (urn: string) => urn.split("::").pop() ?? "";
    const volumes = ofType(prod, "docker:index/volume:Volume");
    // The resource names (URNs) of the stacks deployed before names were per stack: a new URN
    // would delete the old volume and create an empty one.
    assert.deepEqual(volumes.map((v) => v.name).sort(),
        ["monitoring-alertmanager-service-data", "monitoring-grafana-service-data", "monitoring-prometheus-service-data"]);
    for (const v of volumes) {
        // The name is ignored after creation: an old stack's volume stays monitoring-<service>-data.
        assert.ok(v.ignoreChanges.includes("name"), `${v.name}: a renamed volume would be replaced, losing its data`);
        assert.ok(v.protect, `${v.name} is protected in prod`);
    }
    for (const c of containers(prod)) {
        const mounts = ((c.inputs.volumes as { volumeName?: string }[] | undefined) ?? []).filter((m) => m.volumeName !== undefined);
        for (const m of mounts) {
            const volume = volumes.find((v) => v.inputs.name === m.volumeName);
            assert.ok(volume, `${String(c.inputs.name)} mounts ${String(m.volumeName)}, which no volume resource names`);
            // The mount takes the volume resource's output (its name as it exists), not a re-typed string.
            assert.ok(c.dependencies.map(urnName).includes(volume.name), `${String(c.inputs.name)} does not mount the volume resource's own name`);
        }
    }
});

test("the network is deleted before it is replaced: a new one cannot take the same subnet beside it", () => {
    for (const run of [prod, staging]) {
        const [network] = ofType(run, "docker:index/network:Network");
        assert.ok(network.deleteBeforeReplace, `${String(network.inputs.name)} would be created beside the old one on the same subnet`);
    }
});

test("every command run on the host names the stack's own containers (reloads, docker exec, password reset)", () => {
    for (const [stack, run] of [["prod", prod], ["staging", staging]] as const) {
        const own = containers(run).map((c) => String(c.inputs.name));
        const texts = run.filter((r) => r.type.startsWith("command:")).map((r) => [r.name, String(r.inputs.create ?? "")] as const);
        const targeted = texts.flatMap(([name, text]) =>
            [...text.matchAll(/docker (?:exec(?: -i)?|kill(?: --signal[= ]\S+)?|restart|start|stop) '?([A-Za-z0-9_.-]+)'?/g)].map((m) => [name, m[1]] as const));
        assert.ok(targeted.length >= 3, `${stack}: the reloads and the Grafana commands address containers`);
        for (const [name, target] of targeted) assert.ok(own.includes(target), `${stack} ${name} addresses container ${target}, not one of ${own.join(", ")}`);
    }
});
