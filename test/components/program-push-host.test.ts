// Pulumi.scale-example.yaml's push host (edge-1, behind NAT) under runtime mocks: it gets its own
// Docker provider over SSH, its exporters on loopback and Prometheus in agent mode beside them,
// whose config pushes to the user's store with the host label and reads its credentials from
// files written from Pulumi secrets; the monitoring host's Prometheus never tries to scrape it,
// and the policy pack passes.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { load } from "js-yaml";
import { byType, plaintextSecrets, runProgram, type ProgramRun, type Registration } from "../harness";
import { resourceArgs, types, validate } from "../policyArgs";
import { parseStackConfig } from "../../config/parse";
import { stackRawConfig } from "../../config/stackFiles";
import { agentsListenOnPrivateAddressesOnly, policies } from "../../policy/policies";

const secrets = { password: "store-password-never-in-plaintext", tenant: "tenant-never-in-plaintext", token: "glsa_token-never-in-plaintext", redis: "edge-redis-never-in-plaintext" };
const file = stackRawConfig("scale-example");
const remoteWrite = (file.remoteWrite as Record<string, unknown>[]).map((t, i) => (i === 0 ? { ...t, password: secrets.password, headers: { "X-Scope-OrgID": secrets.tenant } } : t));
const hosts = (file.hosts as Record<string, unknown>[]).map((h) => ({ ...h, redis: (h.redis as Record<string, unknown>[]).map((r) => ({ ...r, password: secrets.redis })) }));
const m = parseStackConfig("scale-example", { ...file, remoteWrite, hosts, grafanaToken: secrets.token }).monitoring;
const edge = m.hosts[0];
let run: ProgramRun;

before(async () => {
    run = await runProgram("scale-example", { remoteWrite, hosts, grafanaToken: secrets.token }, ["remoteWrite", "hosts", "grafanaToken"]);
});

const named = (name: string) => run.resources.find((r) => r.name === name);
const edgeContainers = () => byType(run, types.container).filter((c) => c.name.startsWith(`fleet-${edge.name}-`));
const agentContainer = () => {
    const c = edgeContainers().find((x) => x.inputs.name === "monitoring-scale-example-prometheus-agent");
    assert.ok(c, "the agent Prometheus container");
    return c;
};
const agentConfig = () => {
    const r = named(`fleet-${edge.name}-prometheus-agent-files-prometheus/prometheus.yml`);
    assert.ok(r, "the agent's prometheus.yml is written");
    return r;
};

test("the example's edge-1 pushes: no address of its own, deployed over SSH to its public name", () => {
    assert.deepEqual([edge.name, edge.push, edge.address, edge.ssh?.address], ["edge-1", true, "127.0.0.1", "edge-1.example.net"]);
});

test("the push host gets its own Docker provider over SSH, and every container there goes through it", () => {
    const provider = named(`fleet-${edge.name}-docker`);
    assert.equal(provider?.type, "pulumi:providers:docker");
    assert.equal(provider?.inputs.host, "ssh://deploy@edge-1.example.net:22");
    const opts = JSON.parse(String(provider?.inputs.sshOpts)) as string[];
    assert.ok(opts.includes("StrictHostKeyChecking=yes"), "no trust on first use");
    assert.deepEqual(edgeContainers().map((c) => c.inputs.name).sort(), [
        "monitoring-scale-example-node-exporter", "monitoring-scale-example-prometheus-agent", "monitoring-scale-example-redis-exporter-sessions",
    ]);
    for (const c of edgeContainers()) assert.match(c.provider, /::fleet-edge-1-docker::/, `${String(c.inputs.name)} is deployed on edge-1`);
});

test("the agent Prometheus: the pinned image in agent mode, host network with its API on loopback, nothing published, memory-limited, logs rotated, WAL on a volume", () => {
    const c = agentContainer();
    const command = c.inputs.command as string[];
    assert.equal(command[0], "--agent", "prom/prometheus 3.x's agent-mode flag");
    assert.ok(command.includes("--web.listen-address=127.0.0.1:9090"));
    assert.equal(c.inputs.networkMode, "host");
    assert.deepEqual(c.inputs.ports ?? [], []);
    assert.equal(c.inputs.memory, 256);
    assert.equal(c.inputs.memorySwap, 256);
    assert.deepEqual(c.inputs.logOpts, { "max-size": m.logMaxSize, "max-file": String(m.logMaxFiles) });
    const image = byType(run, "docker:index/remoteImage:RemoteImage").find((i) => i.name === `fleet-${edge.name}-prometheus-agent-image`);
    assert.equal(image?.inputs.name, m.prometheus.image, "the same image setting as the monitoring host's Prometheus");
    assert.match(image?.provider ?? "", /::fleet-edge-1-docker::/);
    const volume = byType(run, "docker:index/volume:Volume").find((v) => v.name === `fleet-${edge.name}-prometheus-agent-data`);
    assert.equal(volume?.inputs.name, "monitoring-scale-example-prometheus-agent-data");
    const volumes = c.inputs.volumes as { containerPath: string; volumeName?: string; hostPath?: string; readOnly?: boolean }[];
    assert.ok(volumes.some((v) => v.containerPath === "/prometheus" && v.volumeName === "monitoring-scale-example-prometheus-agent-data"), "the WAL is on the volume");
    assert.ok(volumes.some((v) => v.hostPath === `${m.configRoot}/agent/prometheus` && v.containerPath === "/etc/prometheus/current" && v.readOnly));
});

test("the exporters on the push host listen on loopback only", () => {
    for (const c of edgeContainers().filter((x) => x.inputs.name !== "monitoring-scale-example-prometheus-agent")) {
        const listen = (c.inputs.command as string[]).filter((a) => a.startsWith("--web.listen-address="));
        assert.equal(listen.length, 1);
        assert.match(listen[0], /^--web\.listen-address=127\.0\.0\.1:\d+$/, String(c.inputs.name));
        assert.deepEqual(c.inputs.ports ?? [], []);
    }
});

interface AgentYaml {
    global: { external_labels: Record<string, string> };
    scrape_configs: { job_name: string; static_configs: { targets: string[]; labels: Record<string, string> }[] }[];
    remote_write: { url: string; basic_auth?: { username: string; password_file: string }; http_headers?: Record<string, { files: string[] }> }[];
}

test("its config pushes to the store with host=edge-1 and reads the credentials from files written from Pulumi secrets", () => {
    const config = agentConfig();
    const doc = load(String(config.inputs.stdin)) as AgentYaml;
    assert.equal(doc.global.external_labels.host, "edge-1");
    for (const job of doc.scrape_configs) {
        for (const s of job.static_configs) assert.deepEqual([s.labels.host, s.labels.role], ["edge-1", "edge"], job.job_name);
    }
    assert.deepEqual(doc.scrape_configs.map((j) => j.job_name), ["node-fleet", "redis-fleet", "edge-api"]);
    assert.deepEqual(doc.remote_write.map((t) => t.url), ["https://metrics.example.com/insert/0/prometheus/api/v1/write"]);
    assert.equal(doc.remote_write[0].basic_auth?.password_file, "/etc/prometheus/current/secrets/remote-write-central-password");
    assert.deepEqual(doc.remote_write[0].http_headers?.["X-Scope-OrgID"]?.files, ["/etc/prometheus/current/secrets/remote-write-central-header-x-scope-orgid"]);
    const prefix = `fleet-${edge.name}-prometheus-agent-files-prometheus/secrets/`;
    const writes = run.resources.filter((r) => r.name.startsWith(prefix));
    assert.deepEqual(writes.map((w) => w.name.slice(prefix.length)).sort(), ["remote-write-central-header-x-scope-orgid", "remote-write-central-password"]);
    for (const w of writes) {
        assert.ok(w.secretInputs.includes("stdin"), `${w.name}: content is a secret`);
        assert.match(String(w.inputs.create), /install -m 0400 -o 65534 .*agent\/prometheus\/secrets\//, "readable by the agent's user only");
    }
    assert.match(String(config.inputs.create), /install -m 0444 -o 65534 .*agent\/prometheus\/prometheus\.yml/);
});

test("a changed config is re-read: the reload signals the agent after its files are written", () => {
    const reload = named(`fleet-${edge.name}-prometheus-agent-reload`);
    assert.ok(reload);
    assert.match(String(reload.inputs.create), /docker kill --signal=HUP 'monitoring-scale-example-prometheus-agent'/);
    const writes = run.resources.filter((r) => r.name.startsWith(`fleet-${edge.name}-prometheus-agent-files-`));
    for (const w of writes) assert.ok(reload.dependencies.includes(w.urn), `${w.name} is written before the reload`);
    assert.ok(reload.dependencies.includes(agentContainer().urn));
});

test("the monitoring host's Prometheus has no job for the push host", () => {
    const config = named("monitoring-prometheus-files-prometheus/prometheus.yml");
    assert.ok(config);
    const text = String(config.inputs.stdin);
    assert.doesNotMatch(text, /edge-1/);
    const doc = load(text) as { scrape_configs: { job_name: string }[] };
    assert.ok(!doc.scrape_configs.some((j) => /fleet/.test(j.job_name)), `fleet jobs: ${doc.scrape_configs.map((j) => j.job_name).join(", ")}`);
});

test("no secret is in any resource input in plain text", () => {
    assert.deepEqual(plaintextSecrets(run, secrets), []);
    const command = JSON.stringify(agentContainer().inputs.command) + JSON.stringify(agentContainer().inputs.envs ?? []);
    assert.doesNotMatch(command, /password|token|never-in-plaintext/, "no credential in the agent's arguments or environment");
});

const argsOf = (r: Registration, props: Record<string, unknown> = r.inputs) =>
    resourceArgs(r.type, r.name, props, { protect: r.protect, ignoreChanges: [...r.ignoreChanges], parent: r.parent || undefined }, "scale-example");

test("every policy passes on every resource, the push host's included; the agent Prometheus moved off loopback is refused", async () => {
    const violations: string[] = [];
    for (const policy of policies) {
        for (const r of run.resources) violations.push(...(await validate(policy, argsOf(r))).violations.map((v) => `${policy.name}: ${v}`));
    }
    assert.deepEqual(violations, []);
    const agent = agentContainer();
    for (const moved of [":9090", "0.0.0.0:9090", "203.0.113.9:9090"]) {
        const command = (agent.inputs.command as string[]).map((a) => (a.startsWith("--web.listen-address=") ? `--web.listen-address=${moved}` : a));
        const outcome = await validate(agentsListenOnPrivateAddressesOnly, argsOf(agent, { ...agent.inputs, command }));
        assert.equal(outcome.violations.length, 1, `${moved}: ${outcome.violations.join("; ")}`);
    }
});
