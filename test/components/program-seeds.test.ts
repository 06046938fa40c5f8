// The other seeds' stacks, expressed through configuration alone, under runtime mocks: an
// existing host reached over SSH (no cloud resources), a process on the host, bots on private
// IPs, two Redis servers with passwords, and every receiver type. Whatever the config, nothing
// publishes beyond loopback and no secret is in plaintext.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { byType, ProgramRun, runProgram } from "../harness";

const secrets = {
    redisPassword: "redis-primary-SECRET",
    discord: "https://discord.example/api/webhooks/SECRET-D",
    pagerduty: "SECRET-PD-routing-key",
    slack: "https://hooks.slack.example/SECRET-S",
    smtp: "SECRET-smtp-password",
    webhook: "https://hooks.example/SECRET-W",
    telegram: "999:SECRET-T",
    deadMansSwitch: "https://hc-ping.example/SECRET-DMS",
};
let run: ProgramRun;

before(async () => {
    run = await runProgram("seeds", {
        hostMode: "ssh", sshHost: "10.92.3.27", sshUser: "ops", sshPort: 2222,
        environment: "production", prometheusPort: 9091, grafanaPort: 3001, retentionTime: "30d", retentionSize: "10GB",
        appNetworks: ["investiq-network"],
        apps: [
            { job: "thunes", targets: ["host.docker.internal:8000"] },
            { job: "investiq-api", targets: ["api-server:3000"], labels: { team: "api" } },
            { job: "quantshift", targets: ["10.92.3.27:9200", "10.92.3.27:9201", "10.92.3.28:9200", "10.92.3.28:9201"] },
        ],
        redis: [
            { name: "primary", address: "10.92.3.27:6379", password: secrets.redisPassword },
            { name: "standby", address: "10.92.3.28:6379", password: secrets.redisPassword },
        ],
        receivers: [
            { name: "discord", type: "discord", webhookUrl: secrets.discord, severities: ["critical", "warning"] },
            { name: "pagerduty", type: "pagerduty", routingKey: secrets.pagerduty, severities: ["critical"] },
            { name: "slack", type: "slack", webhookUrl: secrets.slack, channel: "#alerts" },
            { name: "mail", type: "email", to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", authUsername: "am", authPassword: secrets.smtp },
            { name: "hook", type: "webhook", url: secrets.webhook, severities: ["info"] },
            { name: "tg", type: "telegram", chatId: -100123, botToken: secrets.telegram },
        ],
        deadMansSwitchUrl: secrets.deadMansSwitch,
    }, ["redis", "receivers", "deadMansSwitchUrl"]);
});

test("an existing SSH host gets the stack and no cloud resources", () => {
    assert.deepEqual(run.resources.filter((r) => r.type.startsWith("hcloud:")), []);
    assert.equal(byType(run, "pulumi:providers:docker")[0].inputs.host, "ssh://ops@10.92.3.27:2222");
    assert.equal(run.outputs.tunnel, "ssh -N -L 3001:127.0.0.1:3001 -L 9091:127.0.0.1:9091 -L 9093:127.0.0.1:9093 -p 2222 ops@10.92.3.27");
});

test("whatever the configuration, every published port binds to 127.0.0.1", () => {
    const containers = byType(run, "docker:index/container:Container");
    assert.equal(containers.length, 6, "prometheus, alertmanager, grafana, node-exporter and two redis exporters");
    for (const c of containers) {
        for (const p of (c.inputs.ports as Record<string, unknown>[] | undefined) ?? []) assert.equal(p.ip, "127.0.0.1", String(c.inputs.name));
    }
});

test("no secret is in plaintext anywhere: inputs, files, environments", () => {
    for (const r of run.resources) {
        const plain = JSON.stringify(Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k))));
        for (const [what, value] of Object.entries(secrets)) assert.ok(!plain.includes(value), `${r.type} ${r.name} has the ${what} secret in plaintext`);
    }
});

test("every credential is deployed as a secret file, one per receiver, Redis password and dead man's switch", () => {
    const secretWrites = byType(run, "command:remote:Command").filter((c) => c.name.includes("/secrets/"));
    const names = secretWrites.map((c) => c.name.replace(/^.*-files-/, "")).sort();
    assert.equal(names.length, 10, names.join(", "));
    for (const c of secretWrites) assert.ok(c.secretInputs.includes("stdin"), `${c.name} content is not secret`);
    const redisFile = secretWrites.find((c) => c.name.includes("redis-exporter/primary/"));
    assert.deepEqual(JSON.parse(String(redisFile?.inputs.stdin)), { "redis://10.92.3.27:6379": secrets.redisPassword });
});

test("Prometheus reaches host processes through the Docker host gateway", () => {
    const prometheus = byType(run, "docker:index/container:Container").find((c) => c.inputs.name === "monitoring-seeds-prometheus");
    assert.deepEqual(prometheus?.inputs.hosts, [{ host: "host.docker.internal", ip: "host-gateway" }]);
});
