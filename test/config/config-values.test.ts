// The parser's edges (config/parse.ts): a refused value falls back without adding problems of its
// own, empty values of required fields are missing ones, limits are inclusive, and each message is
// the exact line the user reads.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { parseStackConfig, type ParseOptions } from "../../config/parse";
import { defaultThresholds } from "../../model/alerts";
import { hetznerServerDiskGb, hetznerServerTypes, hostReservedDiskGb, hostReservedMemoryMb } from "../../model/catalog";
import { dataVolumeHeadroomGb } from "../../model/dataSafety";
import { containerMemoryMb, type StackConfig } from "../../model/stack";
import { receiverTypes } from "../../model/receivers";
import { refusalProblems } from "../configProblems";

const sshPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@laptop";

/** Parsed without Pulumi.yaml's defaults: the parser's own defaults apply. */
function parse(raw: Record<string, unknown> = {}, options?: ParseOptions): StackConfig {
    return parseStackConfig("test", { sshPublicKey, ...raw }, options);
}

function problems(raw: Record<string, unknown>, options?: ParseOptions): readonly string[] {
    return refusalProblems(() => parse(raw, options), raw);
}

test("a key of the wrong type is named once: its fallback adds no problem of its own", () => {
    assert.deepEqual(problems({ hostMode: ["ssh"] }), ['hostMode: expected a string, got ["ssh"]']);
    assert.deepEqual(problems({ sshAllowedCidrs: 22 }), ["sshAllowedCidrs: expected a list"]);
});

test("an empty alertThresholds is unset: the default thresholds, no problem", () => {
    assert.deepEqual(parse({ alertThresholds: "" }).monitoring.alertThresholds, defaultThresholds);
    assert.deepEqual(parse({ alertThresholds: null }).monitoring.alertThresholds, defaultThresholds);
});

test("an image pinned by digest is pinned even when its tag says latest", () => {
    const image = `prom/prometheus:latest@sha256:${"a".repeat(64)}`;
    assert.equal(parse({ prometheusImage: image }).monitoring.prometheus.image, image);
    assert.deepEqual(problems({ prometheusImage: "prom/prometheus:latest" }),
        ['prometheusImage: "prom/prometheus:latest" is not pinned; name an exact version such as prom/prometheus:v3.5.0 (never latest)']);
});

test("an app's labels take text, numbers and booleans, each as text", () => {
    const app = parse({ apps: [{ job: "api", targets: ["api:8000"], labels: { canary: true, shard: 3, team: "core" } }] }).monitoring.apps[0];
    assert.deepEqual(app.labels, { canary: "true", shard: "3", team: "core" });
});

test("an empty job, name or address is a missing one, reported as required", () => {
    const required = (key: string) => `${key}: required; set it with \`pulumi config set ${key} <value>\``;
    assert.deepEqual(problems({ apps: [{ job: "", targets: ["api:8000"] }] }), [required("apps[0].job")]);
    assert.deepEqual(problems({ redis: [{ name: "", address: "redis:6379" }] }), [required("redis[0].name")]);
    assert.deepEqual(problems({ redis: [{ name: "cache", address: "" }] }), [required("redis[0].address")]);
    assert.deepEqual(problems({ receivers: [{ name: "", type: "webhook", url: "https://hooks.example.com/x" }] }), [required("receivers[0].name")]);
    assert.deepEqual(problems({ receivers: [{ name: "mail", type: "email", to: "ops@example.com", from: "mon@example.com", smarthost: "" }] }),
        [required("receivers[0].smarthost")]);
});

test("an app's statusLabel may end with __ but not start with it", () => {
    const app = (statusLabel: string) => ({ apps: [{ job: "api", targets: ["api:8000"], statusLabel }] });
    assert.equal(parse(app("status__")).monitoring.apps[0].metrics.statusLabel, "status__");
    assert.deepEqual(problems(app("__status")),
        ['apps[0].statusLabel: "__status" is not a label name the app can set; use letters, digits and _ (not job, not starting with __), e.g. status or code']);
});

test("a receiver without a type, or without a name and its secret, is named with what it lacks", () => {
    assert.deepEqual(problems({ receivers: [{ name: "ops" }] }), [`receivers[0].type: "" is not one of ${receiverTypes.join(", ")}`]);
    assert.deepEqual(problems({ receivers: [{ type: "telegram", chatId: -100123 }] }), [
        "receivers[0].name: required; set it with `pulumi config set receivers[0].name <value>`",
        "receivers[0].botToken: receiver \"\" (telegram) is enabled but has no botToken; set it with `pulumi config set --secret --path 'receivers[0].botToken' <value>` or set receivers[0].enabled to false",
    ]);
    assert.deepEqual(problems({ receivers: [{ name: "ops", type: "telegram", chatId: -100123, botToken: "" }] }), [
        "receivers[0].botToken: receiver \"ops\" (telegram) is enabled but has no botToken; set it with `pulumi config set --secret --path 'receivers[0].botToken' <value>` or set receivers[0].enabled to false",
    ]);
});

test("configRoot: every character is checked, and a system directory is named as such", () => {
    assert.deepEqual(problems({ configRoot: "/opt/my monitoring/x" }),
        ['configRoot: "/opt/my monitoring/x" may only use letters, digits, ., _, - and /; write it like /opt/monitoring']);
    assert.deepEqual(problems({ configRoot: "/etc" }),
        ['configRoot: "/etc" is /etc, a system directory or inside one; the stack writes root-owned files there, so give it a directory of its own, like /opt/monitoring']);
    assert.deepEqual(problems({ configRoot: "/" }),
        ['configRoot: "/" is the root directory; the stack writes root-owned files there, so give it a directory of its own, like /opt/monitoring']);
});

test("retentionSize may take exactly what the data volume or the server's disk leaves", () => {
    const volumeBytes = (20 - dataVolumeHeadroomGb(20)) * 1e9;
    assert.equal(parse({ dataVolumeGb: 20, retentionSize: `${volumeBytes}B` }).monitoring.prometheus.retentionSize, `${volumeBytes}B`);
    assert.match(problems({ dataVolumeGb: 20, retentionSize: `${volumeBytes + 1}B` })[0], /^retentionSize: \d+B does not fit the 20 GB data volume/);
    const diskBytes = (hetznerServerDiskGb.cx23 - hostReservedDiskGb) * 1e9;
    assert.equal(parse({ dataVolume: false, serverType: "cx23", retentionSize: `${diskBytes}B` }).monitoring.prometheus.retentionSize, `${diskBytes}B`);
    assert.match(problems({ dataVolume: false, serverType: "cx23", retentionSize: `${diskBytes + 1}B` })[0], /^retentionSize: \d+B does not fit cx23's/);
});

test("a malformed paging duration is named once, not also judged against the paging promise", () => {
    assert.deepEqual(problems({ criticalScrapeInterval: "15 s" }),
        ['criticalScrapeInterval: "15 s" is not a Prometheus duration; write it like 15s, 5m, 7d or 1h30m']);
});

test("a refused probes or redis value counts no exporter against the server's memory", () => {
    const defaults = containerMemoryMb(parse().monitoring);
    const room = hetznerServerTypes.cpx12 - hostReservedMemoryMb - defaults;
    // The containers fill cpx12 exactly: one more exporter would not fit.
    const full = { serverType: "cpx12", prometheusMemoryMb: parse().monitoring.prometheus.memoryMb + room };
    assert.deepEqual(problems({ ...full, probes: 5 }), ["probes: expected a list"]);
    assert.deepEqual(problems({ ...full, redis: 5 }), ["redis: expected a list"]);
});

test("an app named like a fleet agent's job is told every reserved name", () => {
    assert.deepEqual(problems({ apps: [{ job: "node-fleet", targets: ["api:8000"] }] }), [
        'apps[0].job: job name "node-fleet" is reserved for the fleet\'s agents (node-fleet, node-fleet-tls, redis-fleet, redis-fleet-tls, node-hetzner); rename it',
    ]);
});

test("backupMaxAgeHours must exceed backupIntervalHours: equal would call every backup stale", () => {
    const backup = { backupRepository: "/srv/backup", backupPassword: "long random text" };
    assert.deepEqual(problems({ ...backup, backupIntervalHours: defaultThresholds.backupMaxAgeHours }), [
        `alertThresholds.backupMaxAgeHours: ${defaultThresholds.backupMaxAgeHours} h would call every backup stale, since one runs every ${defaultThresholds.backupMaxAgeHours} h (backupIntervalHours); set it above that, with room for one slow run`,
    ]);
    assert.equal(parse({ ...backup, backupIntervalHours: defaultThresholds.backupMaxAgeHours - 1 }).monitoring.backup?.intervalHours, defaultThresholds.backupMaxAgeHours - 1);
});

test("the private network's ranges default to 10.92.0.0/16 and its subnet 10.92.0.0/24", () => {
    assert.deepEqual(parse({ privateNetwork: true }).privateNetwork, { ipRange: "10.92.0.0/16", subnetRange: "10.92.0.0/24", networkZone: "eu-central" });
});

test("a stack file key with an empty namespace is a key without one, with the project key it meant", () => {
    const source = { project: "vps-monitoring", providerNamespaces: ["pulumi", "hcloud"], outsideKeys: [":retentionTime", "hcloud:token", "foo:retentionTime"] };
    assert.deepEqual(problems({}, { source }), [
        ":retentionTime: a key without a namespace is read by nobody; did you mean vps-monitoring:retentionTime?",
        "foo:retentionTime: nothing reads namespace foo; did you mean vps-monitoring:retentionTime?",
    ]);
});
