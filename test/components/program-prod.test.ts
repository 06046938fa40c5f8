// The real index.ts with Pulumi.prod.yaml under runtime mocks: the resource graph a user gets.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "child_process";
import { prerequisiteMissing } from "../externalTools";
import { byType, ProgramRun, Registration, runProgram } from "../harness";
import { parseStackConfig } from "../../config/parse";
import { stackRawConfig } from "../../config/stackFiles";

const botToken = "123456:TEST-bot-token-never-in-plaintext";
const grafanaPassword = "a-long-grafana-admin-password";
let run: ProgramRun;
const prodFile = stackRawConfig("prod");
const prod = parseStackConfig("prod", prodFile, { withoutSecrets: true });

before(async () => {
    const receivers = (prodFile.receivers as Record<string, unknown>[]).map((r) => ({ ...r, botToken }));
    run = await runProgram("prod", { receivers, grafanaAdminPassword: grafanaPassword }, ["receivers", "grafanaAdminPassword"]);
});

const nameOf = (urn: string) => urn.split("::").pop() ?? "";
const containers = () => byType(run, "docker:index/container:Container");
/** prod's container of `service`: every name on the host carries the stack. */
const container = (service: string): Registration | undefined => containers().find((c) => c.inputs.name === `monitoring-prod-${service}`);
const one = (type: string, name?: string): Registration => {
    const found = byType(run, type).filter((r) => name === undefined || r.name === name);
    assert.equal(found.length, 1, `expected one ${type} ${name ?? ""}, found ${found.map((f) => f.name).join(", ")}`);
    return found[0];
};

test("the firewall lets in only SSH from the configured CIDRs and ICMP", () => {
    const rules = one("hcloud:index/firewall:Firewall").inputs.rules as Record<string, unknown>[];
    assert.deepEqual(rules.map((r) => `${r.direction} ${r.protocol} ${r.port ?? ""}`).sort(), ["in icmp ", "in tcp 22"]);
    const ssh = rules.find((r) => r.protocol === "tcp");
    assert.deepEqual(ssh?.sourceIps, prod.host.sshAllowedCidrs);
});

test("every published port of every container binds to 127.0.0.1", () => {
    const published = containers().flatMap((c) => (c.inputs.ports as Record<string, unknown>[] | undefined) ?? []);
    assert.ok(published.length >= 3, "Grafana, Prometheus and Alertmanager are published for the tunnel");
    for (const p of published) assert.equal(p.ip, "127.0.0.1", `port ${String(p.external)} binds to ${String(p.ip)}`);
    assert.deepEqual(published.map((p) => p.external).sort(), [prod.monitoring.alertmanager.port, prod.monitoring.grafana.port, prod.monitoring.prometheus.port].sort());
    assert.ok(containers().every((c) => c.inputs.publishAllPorts !== true));
});

test("every host-network container runs as a non-root user, so the metadata block's OUTPUT rule covers it", () => {
    const hostNetworked = containers().filter((c) => c.inputs.networkMode === "host");
    assert.ok(hostNetworked.length >= 1, "node-exporter shares the host network");
    for (const c of hostNetworked) {
        const user = String(c.inputs.user ?? "");
        assert.match(user, /^[1-9]\d*$/, `${String(c.inputs.name)} runs as a numeric non-root uid, not "${user}"`);
    }
});

test("Grafana is on 127.0.0.1:3001 as in the seed", () => {
    const grafana = container("grafana");
    assert.deepEqual((grafana?.inputs.ports as unknown[])[0], { internal: 3000, external: 3001, ip: "127.0.0.1", protocol: "tcp" });
});

test("every container has a memory limit, restart policy, healthcheck and log rotation", () => {
    assert.deepEqual(containers().map((c) => c.inputs.name).sort(), ["alertmanager", "grafana", "node-exporter", "prometheus", "redis-exporter-main"].map((n) => `monitoring-prod-${n}`));
    for (const c of containers()) {
        const name = String(c.inputs.name);
        assert.ok(Number(c.inputs.memory) > 0, `${name} has no memory limit`);
        assert.equal(c.inputs.restart, "unless-stopped", name);
        assert.ok(((c.inputs.healthcheck as { tests: string[] }).tests ?? []).length > 0, `${name} has no healthcheck`);
        assert.deepEqual(c.inputs.logOpts, { "max-size": prod.monitoring.logMaxSize, "max-file": String(prod.monitoring.logMaxFiles) }, name);
        assert.ok(c.deleteBeforeReplace, `${name} keeps its name and loopback port, so it must be deleted before it is replaced`);
    }
    assert.equal(container("prometheus")?.inputs.memory, 512);
    assert.equal(container("grafana")?.inputs.memory, 512);
});

test("images are pinned to exact versions", () => {
    const images = byType(run, "docker:index/remoteImage:RemoteImage").map((i) => String(i.inputs.name));
    assert.equal(images.length, 5);
    for (const image of images) assert.match(image, /:[^:@]*\d[^:@]*$|@sha256:/, `${image} is not pinned`);
    assert.ok(images.every((i) => !i.endsWith(":latest")));
});

test("Prometheus keeps 7 days of history, scrapes every 15s and has no lifecycle API", () => {
    const command = container("prometheus")?.inputs.command as string[];
    assert.ok(command.includes("--storage.tsdb.retention.time=7d"), command.join(" "));
    assert.ok(command.some((f) => f.startsWith("--storage.tsdb.retention.size=")));
    assert.ok(!command.includes("--web.enable-lifecycle"));
    const configFile = byType(run, "command:remote:Command").find((c) => c.name.endsWith("prometheus/prometheus.yml"));
    assert.match(String(configFile?.inputs.stdin), /scrape_interval: 15s/);
    assert.match(String(configFile?.inputs.stdin), /ai-engine:8001/);
});

test("data lives on the data volume, not in Docker volumes on the server's disk (test/components/data-safety.test.ts has the volume)", () => {
    assert.deepEqual(byType(run, "docker:index/volume:Volume").map((v) => v.inputs.name), []);
    const mounts = container("prometheus")?.inputs.volumes as Record<string, unknown>[];
    assert.ok(mounts.some((m) => m.hostPath === "/srv/monitoring-data/prometheus" && m.containerPath === "/prometheus" && m.readOnly !== true));
});

test("Prometheus and the Redis exporter join the monitoring network and the app's network", () => {
    for (const [service, alias] of [["prometheus", "prometheus"], ["redis-exporter-main", "redis-exporter-main"]]) {
        const networks = container(service)?.inputs.networksAdvanced as { name: string; aliases?: string[] }[];
        assert.deepEqual(networks.map((n) => n.name), ["monitoring-prod", "quantum_trader"], service);
        // The short name only on the stack's own network: on the app's network it could shadow
        // (or be shadowed by) the app's own container of that name, or another stack's.
        assert.deepEqual(networks.map((n) => n.aliases ?? []), [[alias], []], service);
    }
    const network = one("docker:index/network:Network");
    assert.deepEqual((network.inputs.ipamConfigs as Record<string, unknown>[])[0].subnet, prod.monitoring.dockerSubnet);
});

test("node-exporter reads the host read-only and listens only on the monitoring network's gateway", () => {
    const node = container("node-exporter");
    assert.equal(node?.inputs.networkMode, "host");
    const volumes = node?.inputs.volumes as Record<string, unknown>[];
    assert.deepEqual(volumes.map((v) => v.hostPath).sort(), ["/", "/proc", "/sys"]);
    assert.ok(volumes.every((v) => v.readOnly === true));
    const listen = (node?.inputs.command as string[]).find((f) => f.startsWith("--web.listen-address="));
    assert.equal(listen, "--web.listen-address=172.30.0.1:9100");
});

test("Alertmanager clustering is off", () => {
    const command = container("alertmanager")?.inputs.command as string[];
    assert.ok(command.includes("--cluster.listen-address="), command.join(" "));
});

test("the Docker provider connects over SSH only after the host is ready", () => {
    const provider = one("pulumi:providers:docker");
    assert.equal(provider.inputs.host, "ssh://qt@203.0.113.10:22");
    const ready = byType(run, "command:remote:Command").find((c) => c.name === "host-ready");
    assert.ok(ready, "a readiness command exists");
    assert.ok(provider.dependencies.map(nameOf).includes("host-ready"), `provider depends on ${provider.dependencies.map(nameOf).join(", ")}`);
    for (const r of run.resources.filter((x) => x.type.startsWith("docker:"))) {
        assert.match(r.provider, /pulumi:providers:docker::docker::/, `${r.name} does not use the SSH Docker provider`);
    }
});

test("configuration files are written after the host is ready, and containers start after their files", () => {
    const writes = byType(run, "command:remote:Command").filter((c) => c.name.includes("-files-"));
    assert.ok(writes.length > 5);
    // A resource is registered only once its parent and its dependsOn are: readiness counts when
    // it is reached through either, at any depth.
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const ready = one("command:remote:Command", "host-ready");
    const waitsFor = (r: Registration, target: Registration, seen = new Set<string>()): boolean => {
        for (const urn of [...r.dependencies, r.parent].filter((u) => u !== "" && !seen.has(u))) {
            seen.add(urn);
            const next = byUrn.get(urn);
            if (urn === target.urn || (next !== undefined && waitsFor(next, target, seen))) return true;
        }
        return false;
    };
    const unordered = writes.filter((w) => !waitsFor(w, ready)).map((w) => w.name);
    assert.deepEqual(unordered, [], "file writes that may run before the host is ready");
    const prometheus = container("prometheus");
    const swap = byType(run, "command:remote:Command").find((c) => c.name === "monitoring-prometheus-swap");
    assert.ok(swap?.dependencies.map(nameOf).some((d) => d.endsWith("prometheus/prometheus.yml")), "the swap waits for the staged config file");
    assert.ok(prometheus?.dependencies.map(nameOf).includes("monitoring-prometheus-swap"), "Prometheus starts on a checked release");
});

test("a config change reloads the service instead of replacing its container", () => {
    const prometheus = container("prometheus");
    const binds = prometheus?.inputs.volumes as Record<string, unknown>[];
    assert.ok(binds.some((b) => b.hostPath === "/opt/monitoring/prod/prometheus" && b.containerPath === "/etc/prometheus" && b.readOnly === true));
    assert.ok(prometheus?.inputs.uploads === undefined, "no uploads: an upload change would replace the container");
    const swap = byType(run, "command:remote:Command").find((c) => c.name === "monitoring-prometheus-swap");
    assert.match(String(swap?.inputs.create), /docker kill --signal HUP 'monitoring-prod-prometheus'/);
    assert.equal((swap?.inputs.triggers as unknown[]).length, 1);
});

test("secrets are Pulumi secrets and never plaintext in inputs, config files or container environments", () => {
    for (const r of run.resources) {
        const plain = JSON.stringify(Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k))));
        assert.ok(!plain.includes(botToken), `${r.name} has the bot token in plaintext`);
        assert.ok(!plain.includes(grafanaPassword), `${r.name} has the Grafana password in plaintext`);
    }
    const tokenFile = byType(run, "command:remote:Command").find((c) => c.name.includes("alertmanager/secrets/"));
    assert.ok(tokenFile?.secretInputs.includes("stdin"), "the bot token file content is secret");
    assert.equal(tokenFile?.inputs.stdin, botToken);
    const grafana = container("grafana");
    const envs = grafana?.inputs.envs as string[];
    assert.ok(envs.includes("GF_SECURITY_ADMIN_PASSWORD__FILE=/etc/grafana-monitoring/current/secrets/admin_password"));
    assert.ok(envs.includes("GF_AUTH_ANONYMOUS_ENABLED=false"));
    assert.ok(envs.includes("GF_USERS_ALLOW_SIGN_UP=false"));
});

test("a changed Grafana password is applied to the existing database", () => {
    const reset = byType(run, "command:remote:Command").find((c) => c.name === "monitoring-grafana-admin-password");
    assert.match(String(reset?.inputs.create), /reset-admin-password --password-from-stdin/);
    assert.ok(reset?.secretInputs.includes("triggers") && reset.secretInputs.includes("stdin"));
});

test("the server survives cloud-init and key edits and is protected in prod", () => {
    const server = one("hcloud:index/server:Server");
    for (const field of ["userData", "sshKeys", "image"]) assert.ok(server.ignoreChanges.includes(field), `${field} changes would replace the server`);
    assert.ok(server.protect);
    assert.equal(server.inputs.serverType, prod.host.serverType);
});

test("outputs: addresses, ssh and tunnel commands, URLs, Grafana credentials (password secret)", () => {
    const o = run.outputs;
    assert.equal(o.ipv4, "203.0.113.10");
    assert.equal(o.ipv6, "2001:db8::1");
    // The first connection is verified against the host key the program generated: no TOFU.
    const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyForTests";
    const verify = `-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/dev/null -o 'KnownHostsCommand=/bin/echo 203.0.113.10 ${hostKey}'`;
    assert.equal(o.knownHosts, `203.0.113.10 ${hostKey}`);
    assert.equal(o.ssh, `ssh ${verify} qt@203.0.113.10`);
    assert.equal(o.tunnel, `ssh -N -L 3001:127.0.0.1:3001 -L 9090:127.0.0.1:9090 -L 9093:127.0.0.1:9093 ${verify} qt@203.0.113.10`);
    assert.deepEqual(o.urls, { grafana: "http://localhost:3001", prometheus: "http://localhost:9090", alertmanager: "http://localhost:9093" });
    assert.equal(o.grafanaAdminUser, "admin");
    assert.equal(o.grafanaAdminPassword, grafanaPassword);
    assert.ok(run.secretOutputs.includes("grafanaAdminPassword"));
});

test("the tunnel command is one the OpenSSH client accepts, with strict host key checking", (t) => {
    if (!hasSsh()) {
        prerequisiteMissing(t, "no ssh client here; install it with `apt-get install openssh-client`");
        return;
    }
    // `ssh -G` only prints the resulting configuration: nothing is contacted.
    const args = shellWords(String(run.outputs.tunnel)).slice(1);
    const printed = execFileSync("ssh", ["-G", ...args], { encoding: "utf8" });
    assert.match(printed, /^stricthostkeychecking true$/m);
    assert.match(printed, /^knownhostscommand \/bin\/echo 203\.0\.113\.10 ssh-ed25519 \S+$/m);
    assert.match(printed, /^localforward 3001 \[?127\.0\.0\.1\]?:3001$/m);
    assert.match(printed, /^user qt$/m);
});

function hasSsh(): boolean {
    return spawnSync("ssh", ["-V"]).status === 0;
}

/** Splits a command line the way a POSIX shell does for plain words and single quotes. */
function shellWords(line: string): string[] {
    return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

test("every component follows the naming convention: children named after their parent", () => {
    for (const r of run.resources.filter((x) => x.parent && !x.parent.endsWith("::vps-monitoring-prod"))) {
        const parentName = nameOf(r.parent);
        if (r.parent.includes("pulumi:pulumi:Stack")) continue;
        assert.ok(r.name.startsWith(`${parentName}-`), `${r.name} is not named after its parent ${parentName}`);
    }
});
