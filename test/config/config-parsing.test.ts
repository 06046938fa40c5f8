// Parsing of the existing stack keys beyond test/config/config.test.ts's rejection table: what each key
// turns into, the edges of every check (accepted just inside, refused just outside), and the
// message a user gets (naming the key and the fix). Found missing by mutation testing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { thresholdSpecs } from "../../model/alerts";
import { parseAlertThresholds } from "../../config/thresholds";
import { hetznerServerTypes, hostReservedMemoryMb } from "../../model/catalog";
import { ConfigError, parseStackConfig, undecryptedSecret, type ParseOptions } from "../../config/parse";
import { receiverTypes, type Receiver } from "../../model/receivers";
import { durationMs, isIpv4Cidr, isIpv6Cidr, isPrivateAddress, sizeBytes } from "../../config/units";
import { containerMemoryMb, type StackConfig } from "../../model/stack";
import { refusalProblems } from "../configProblems";

const sshPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@laptop";

function parse(raw: Record<string, unknown> = {}, options?: ParseOptions): StackConfig {
    return parseStackConfig("test", { sshPublicKey, ...raw }, options);
}

/** The problems a config is refused with (fails when it is accepted). */
function problems(raw: Record<string, unknown>, options?: ParseOptions): readonly string[] {
    return refusalProblems(() => parse(raw, options), `config ${JSON.stringify(raw)}`);
}

function refused(raw: Record<string, unknown>, expected: RegExp): void {
    const found = problems(raw);
    assert.ok(found.some((p) => expected.test(p)), `expected a problem matching ${expected}, got:\n${found.join("\n")}`);
}

function accepted(raw: Record<string, unknown>): StackConfig {
    try {
        return parse(raw);
    } catch (e) {
        assert.fail(`config ${JSON.stringify(raw)} was refused: ${String(e)}`);
    }
}

test("durations add up their units, as Prometheus reads them", () => {
    const cases: [string, number][] = [
        ["15s", 15_000], ["500ms", 500], ["5m", 300_000], ["1h30m", 5_400_000], ["2d", 172_800_000],
        ["1w", 604_800_000], ["1y", 31_536_000_000], ["1m30s", 90_000], ["", 0],
    ];
    for (const [text, ms] of cases) assert.equal(durationMs(text), ms, text);
});

test("IPv4 CIDRs: four octets up to 255 and a prefix up to 32", () => {
    for (const ok of ["0.0.0.0/0", "255.255.255.255/32", "10.0.0.0/8"]) assert.ok(isIpv4Cidr(ok), ok);
    for (const bad of ["256.0.0.0/8", "10.0.0.0/33", "10.0.0.0", "10.0.0/8", " 10.0.0.0/8", "10.0.0.0/8 ", "a.b.c.d/8"]) assert.ok(!isIpv4Cidr(bad), bad);
});

test("IPv6 CIDRs: eight groups, or fewer with one ::, and a prefix up to 128", () => {
    for (const ok of ["::/0", "2001:db8::/32", "1:2:3:4:5:6:7:8/128", "::1/128", "fe80::/10", "1:2:3:4:5:6:7::/64"]) assert.ok(isIpv6Cidr(ok), ok);
    for (const bad of ["2001:db8::/129", "1:2:3:4:5:6:7/64", "1::2::3/64", "12345::/16", "g::/8", "1:2:3:4:5:6:7:8::/64", "2001:db8::", "x2001:db8::/32", "2001:db8::/32x"]) {
        assert.ok(!isIpv6Cidr(bad), bad);
    }
});

test("a refused config lists every problem, counted, one per line", () => {
    const one = new ConfigError(["a: bad"]);
    assert.equal(one.message, "Invalid stack configuration (1 problem):\n  - a: bad");
    assert.equal(one.name, "ConfigError");
    assert.equal(new ConfigError(["a: bad", "b: worse"]).message, "Invalid stack configuration (2 problems):\n  - a: bad\n  - b: worse");
});

test("scalar keys: numbers as text, booleans as text, empty as unset, anything else named", () => {
    const config = accepted({ grafanaPort: "3001", ipv6: "false", protect: false, ipv4: "true", grafanaAdminUser: 42, serverName: "", environment: "" });
    assert.equal(config.monitoring.grafana.port, 3001);
    assert.equal(config.host.ipv6, false);
    assert.equal(config.host.ipv4, true);
    assert.equal(config.host.protect, false);
    assert.equal(config.monitoring.grafana.adminUser, "42");
    assert.equal(config.host.serverName, "monitoring-test");
    assert.equal(config.monitoring.environment, "test");
    refused({ ipv6: "yes" }, /^ipv6: "yes" is not true or false$/);
    refused({ sshUser: ["a"] }, /^sshUser: expected a string, got \["a"\]$/);
    // A number is read as its text and then checked like any text: 42 is no POSIX user name.
    refused({ sshUser: 42 }, /^sshUser: "42" is not a POSIX user name/);
    refused({ grafanaPort: "80.5" }, /^grafanaPort: "80.5" is not a whole number from 1 to 65535$/);
});

test("ports from 1 to 65535 and memory limits from 16 MB are accepted, one beyond is not", () => {
    assert.equal(accepted({ grafanaPort: 1 }).monitoring.grafana.port, 1);
    assert.equal(accepted({ grafanaPort: 65535 }).monitoring.grafana.port, 65535);
    refused({ grafanaPort: 0 }, /^grafanaPort: 0 is not a whole number from 1 to 65535/);
    refused({ sshPort: 65536 }, /^sshPort: 65536 is not a whole number from 1 to 65535/);
    assert.equal(accepted({ nodeExporterMemoryMb: 16 }).monitoring.nodeExporter.memoryMb, 16);
    refused({ nodeExporterMemoryMb: 15 }, /^nodeExporterMemoryMb: 15 is not a whole number from 16 to 1048576/);
    assert.equal(accepted({ logMaxFiles: 100 }).monitoring.logMaxFiles, 100);
    refused({ logMaxFiles: 0 }, /^logMaxFiles: 0 is not a whole number from 1 to 100/);
});

test("a value still encrypted (render without Pulumi) reads as the placeholder, not as an object", () => {
    const config = accepted({ grafanaAdminPassword: { secure: "v1:abc" } });
    assert.equal(config.monitoring.grafana.adminPassword, undecryptedSecret);
});

test("structured keys: JSON text from `pulumi config`, broken JSON and non-lists named", () => {
    assert.deepEqual(accepted({ appNetworks: "[\"web\",\"api\"]" }).monitoring.appNetworks, ["web", "api"]);
    refused({ appNetworks: "[web" }, /^appNetworks: not valid JSON\/YAML structured config; set it with `pulumi config set --path`$/);
    refused({ appNetworks: { a: 1 } }, /^appNetworks: expected a list$/);
    refused({ appNetworks: ["web", 7] }, /^appNetworks\[1\]: expected a string$/);
});

test("images are pinned by tag or digest, lowercase, never latest", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    for (const ok of ["prom/prometheus:v3.5.0", `prom/prometheus@${digest}`, `prom/prometheus:v3.5.0@${digest}`, "ghcr.io/prometheus/prometheus:v3"]) {
        assert.equal(accepted({ prometheusImage: ok }).monitoring.prometheus.image, ok);
    }
    for (const bad of ["registry.example.com:5000/prom/prometheus", "Prom/Prometheus:v3", "prom/prometheus:latest", `prom/prometheus@sha256:${"a".repeat(63)}`, "prom/prometheus:v3 "]) {
        refused({ prometheusImage: bad }, /^prometheusImage: ".*" is not pinned; name an exact version/);
    }
});

test("retention size, log size, subnet and config root have their shapes", () => {
    for (const ok of ["512MB", "1.5GB", "100B"]) assert.equal(accepted({ retentionSize: ok }).monitoring.prometheus.retentionSize, ok);
    // TB is a unit too; on a Hetzner server the size must also fit its disk, on an SSH host (disk unknown) only the shape counts.
    assert.equal(accepted({ hostMode: "ssh", sshHost: "203.0.113.7", retentionSize: "1TB" }).monitoring.prometheus.retentionSize, "1TB");
    refused({ dataVolume: false, retentionSize: "1TB" }, /^retentionSize: 1TB does not fit cx23's 40 GB disk/);
    for (const bad of ["5G", "GB", "5 GB", "x5GB"]) refused({ retentionSize: bad }, /^retentionSize: .* is not a size/);
    for (const ok of ["512k", "10m", "1g"]) assert.equal(accepted({ logMaxSize: ok }).monitoring.logMaxSize, ok);
    for (const bad of ["10MB", "m", "10 m", "10mx"]) refused({ logMaxSize: bad }, /^logMaxSize: .* must look like 10m or 512k$/);
    assert.equal(accepted({ dockerSubnet: "10.9.0.0/29" }).monitoring.dockerSubnet, "10.9.0.0/29");
    refused({ dockerSubnet: "10.9.0.0/30" }, /^dockerSubnet: "10.9.0.0\/30" must be an IPv4 CIDR of \/29 or larger/);
    refused({ dockerSubnet: "fd00::/64" }, /^dockerSubnet: /);
    assert.equal(accepted({ configRoot: "/srv/mon-1.d/x_y" }).monitoring.configRoot, "/srv/mon-1.d/x_y");
    // A trailing / (or //, ./) is normalised away; the path must be absolute, plain and outside the system's directories.
    assert.equal(accepted({ configRoot: "/srv/mon/" }).monitoring.configRoot, "/srv/mon");
    refused({ configRoot: "srv/mon" }, /^configRoot: "srv\/mon" is not an absolute path; write it like \/opt\/monitoring$/);
    refused({ configRoot: "/srv/mon x" }, /^configRoot: "\/srv\/mon x" may only use letters, digits, ., _, - and \/; write it like \/opt\/monitoring$/);
    refused({ configRoot: "/" }, /^configRoot: "\/" is the root directory; /);
});

test("a scrape timeout equal to the interval is fine, and durations are checked for every timing key", () => {
    assert.equal(accepted({ scrapeTimeout: "15s" }).monitoring.prometheus.scrapeTimeout, "15s");
    for (const key of ["scrapeInterval", "evaluationInterval", "groupWait", "groupInterval", "repeatInterval"]) {
        refused({ [key]: "soon" }, new RegExp(`^${key}: "soon" is not a Prometheus duration`));
    }
});

test("the containers may use exactly what the server type leaves, and not one MB more", () => {
    const defaults = containerMemoryMb(accepted({}).monitoring);
    const room = hetznerServerTypes.cpx12 - hostReservedMemoryMb - defaults;
    assert.ok(room > 0);
    const prometheusMemoryMb = accepted({}).monitoring.prometheus.memoryMb + room;
    accepted({ serverType: "cpx12", prometheusMemoryMb });
    refused({ serverType: "cpx12", prometheusMemoryMb: prometheusMemoryMb + 1 },
        new RegExp(`^serverType: the containers' memory limits add up to ${defaults + room + 1} MB but cpx12 leaves ${hetznerServerTypes.cpx12 - hostReservedMemoryMb} MB`));
    // Not a Hetzner server: no server type to fit into.
    accepted({ hostMode: "ssh", sshHost: "10.0.0.5", serverType: "cpx12", prometheusMemoryMb: 4096 });
});

test("container memory counts node-exporter only when enabled and one exporter per Redis", () => {
    const base = accepted({ nodeExporter: false }).monitoring;
    const withAll = accepted({ redis: [{ name: "a", address: "a:6379" }, { name: "b", address: "b:6379" }] }).monitoring;
    const core = base.prometheus.memoryMb + base.alertmanager.memoryMb + base.grafana.memoryMb;
    assert.equal(containerMemoryMb(base), core);
    assert.equal(containerMemoryMb(withAll), core + withAll.nodeExporter.memoryMb + 2 * withAll.redisExporter.memoryMb);
});

test("container memory counts the embedded long-term store, leaves out an external Grafana, and a stack without blackbox settings runs no exporter", () => {
    const base = accepted({}).monitoring;
    const store = accepted({ victoriaMetrics: true, victoriaMetricsMemoryMb: 700 }).monitoring;
    assert.equal(containerMemoryMb(store), containerMemoryMb(base) + 700);
    const remote = { name: "central", url: "https://vm.example.com/api/v1/write", queryUrl: "https://vm.example.com" };
    const external = accepted({ remoteWrite: [remote], grafanaMode: "external", grafanaUrl: "https://example.grafana.net", grafanaToken: "glsa_x" }).monitoring;
    assert.equal(containerMemoryMb(external), containerMemoryMb(base) - base.grafana.memoryMb);
    // blackboxExporter is optional in MonitoringConfig.
    const { blackboxExporter: _, ...withoutBlackbox } = base;
    assert.equal(containerMemoryMb(withoutBlackbox), containerMemoryMb(base));
});

test("the stack name must fit a Docker name and a directory: a letter or digit first, then [A-Za-z0-9_.-], 100 characters at most", () => {
    for (const stack of ["prod.eu_1-a", `a${"b".repeat(99)}`]) {
        assert.equal(parseStackConfig(stack, { sshPublicKey }).stack, stack);
    }
    for (const stack of ["-prod", ".", "prod/eu", "prod eu", `a${"b".repeat(100)}`]) {
        assert.throws(() => parseStackConfig(stack, { sshPublicKey }), { message: `stack name "${stack}" cannot be part of a Docker name or a directory` });
    }
});

test("host modes: what each needs, what it ignores, and the host label alerts carry", () => {
    const ssh = accepted({ hostMode: "ssh", sshHost: "10.0.0.5", sshPublicKey: "", serverType: "nope", location: "mars", ipv4: false, ipv6: false });
    assert.equal(ssh.monitoring.hostLabel, "10.0.0.5");
    const local = accepted({ hostMode: "local", sshPublicKey: "" });
    assert.equal(local.monitoring.hostLabel, "localhost");
    const hetzner = accepted({ serverName: "box" });
    assert.equal(hetzner.monitoring.hostLabel, "box");
    assert.equal(accepted({ hostMode: "hetzner", hetznerSshKeyName: "deploy", sshPublicKey: "" }).host.hetznerSshKeyName, "deploy");
    refused({ ipv4: false, ipv6: false }, /^ipv4: a server needs at least one public address/);
    assert.equal(accepted({ ipv4: false }).host.ipv6, true);
    const adopted = accepted({ hostMode: "hetzner-existing", hetznerServerId: "12345" });
    assert.equal(adopted.host.hetznerServerId, 12345);
    refused({ hostMode: "hetzner-existing", hetznerServerId: "12a" }, /^hetznerServerId: hostMode hetzner-existing needs the numeric id/);
    assert.equal(accepted({ hetznerServerId: "abc" }).host.hetznerServerId, undefined);
    refused({ hostMode: "hetzner-existing", hetznerServerId: "1", serverType: "cx22" }, /^serverType: "cx22"/);
    refused({ hostMode: "hetzner-existing", hetznerServerId: "1", location: "mars" }, /^location: "mars"/);
});

test("SSH keys: OpenSSH public keys of the usual types, host keys without a host name", () => {
    for (const ok of ["ssh-rsa AAAAB3Nza", "ecdsa-sha2-nistp256 AAAAE2V", "sk-ssh-ed25519@openssh.com AAAAGnNr", "ssh-ed25519 AAAAC3Nz"]) accepted({ sshPublicKey: ok });
    for (const bad of ["ssh-dss AAAAB3Nza", "AAAAC3Nz", "ssh-ed25519", "xssh-ed25519 AAAA", "ssh-ed25519 AAAA\nsecond line"]) refused({ sshPublicKey: bad }, /^sshPublicKey: not an OpenSSH public key/);
    assert.equal(accepted({ sshHostKey: "ssh-ed25519 AAAAC3Nz\n" }).host.sshHostKey, "ssh-ed25519 AAAAC3Nz\n");
    for (const bad of ["ssh-ed25519 AAAAC3Nz comment", "ssh-dss AAAA", "AAAAC3Nz"]) refused({ sshHostKey: bad }, /^sshHostKey: not a host public key/);
});

test("CIDRs of both families are accepted for SSH, and the defaults open SSH to both", () => {
    assert.deepEqual(accepted({}).host.sshAllowedCidrs, ["0.0.0.0/0", "::/0"]);
    assert.deepEqual(accepted({ sshAllowedCidrs: ["203.0.113.7/32", "2001:db8::/32"] }).host.sshAllowedCidrs, ["203.0.113.7/32", "2001:db8::/32"]);
    refused({ sshAllowedCidrs: ["203.0.113.7/32", "nope"] }, /^sshAllowedCidrs\[1\]: "nope" is not a CIDR/);
});

test("apps: defaults, accepted target forms, and each field's check", () => {
    const [app] = accepted({ apps: [{ job: "api_1", targets: ["api:8000", "[2001:db8::1]:9100", "10.0.0.5:1", "a:65535"] }] }).monitoring.apps;
    assert.equal(app.metricsPath, "/metrics");
    assert.equal(app.scheme, "http");
    assert.deepEqual(app.labels, {});
    assert.deepEqual(app.metrics, { requests: "http_requests_total", errors: undefined, statusLabel: "status", errorStatus: "5..", duration: "http_request_duration_seconds", durationUnit: "seconds" });
    const tuned = accepted({ apps: [{ job: "w", targets: ["w:1"], scheme: "https", metricsPath: "/m", labels: { team: "core", tier: 2 } }] }).monitoring.apps[0];
    assert.equal(tuned.scheme, "https");
    assert.equal(tuned.metricsPath, "/m");
    assert.deepEqual(tuned.labels, { team: "core", tier: "2" });
    const app0 = { job: "api", targets: ["api:80"] };
    refused({ apps: ["api:80"] }, /^apps\[0\]: expected an object with job and targets$/);
    refused({ apps: [{ ...app0, job: "1api" }] }, /^apps\[0\]\.job: "1api" must start with a letter/);
    refused({ apps: [{ job: "api" }] }, /^apps\[0\]\.targets: list at least one host:port$/);
    refused({ apps: [{ ...app0, targets: ["api:0"] }] }, /^apps\[0\]\.targets\[0\]: "api:0" is not host:port/);
    refused({ apps: [{ ...app0, targets: ["api:65536"] }] }, /^apps\[0\]\.targets\[0\]: "api:65536" is not host:port/);
    refused({ apps: [{ ...app0, targets: ["-api:80"] }] }, /^apps\[0\]\.targets\[0\]/);
    refused({ apps: [{ ...app0, metricsPath: "metrics" }] }, /^apps\[0\]\.metricsPath: "metrics" must start with \/$/);
    refused({ apps: [{ ...app0, scheme: "ftp" }] }, /^apps\[0\]\.scheme: "ftp" must be http or https$/);
    refused({ apps: [{ ...app0, labels: ["team"] }] }, /^apps\[0\]\.labels: expected a map of label name to value$/);
    refused({ apps: [{ ...app0, labels: { __name__: "x" } }] }, /^apps\[0\]\.labels\.__name__: names starting with __ are reserved for Prometheus' own labels \(__address__, __metrics_path__ …\); remove it or rename it$/);
    refused({ apps: [{ ...app0 }, { ...app0, job: "redis-main" }], redis: [{ name: "main", address: "redis:6379" }] }, /^apps\[1\]\.job: job name "redis-main" is used twice/);
});

test("app metrics: own names, milliseconds, an error counter and an error-status regex, each checked", () => {
    const app0 = { job: "api", targets: ["api:80"] };
    const [app] = accepted({ apps: [{ ...app0, errorsMetric: "errs_total", durationUnit: "milliseconds", errorStatus: "5..|429", statusLabel: "code" }] }).monitoring.apps;
    assert.equal(app.metrics.errors, "errs_total");
    assert.equal(app.metrics.durationUnit, "milliseconds");
    assert.equal(app.metrics.errorStatus, "5..|429");
    assert.equal(app.metrics.statusLabel, "code");
    refused({ apps: [{ ...app0, errorsMetric: "errs-total" }] }, /^apps\[0\]\.errorsMetric: "errs-total" is not a Prometheus metric name; use letters, digits, _ and :, not starting with a digit$/);
    refused({ apps: [{ ...app0, errorStatus: "5..(" }] }, /^apps\[0\]\.errorStatus: "5..\(" is not a regular expression/);
    refused({ apps: [{ ...app0, statusLabel: "1code" }] }, /^apps\[0\]\.statusLabel: "1code" is not a label name the app can set; use letters, digits and _ \(not job, not starting with __\), e\.g\. status or code$/);
    refused({ apps: [{ ...app0, durationMetric: "a b" }] }, /^apps\[0\]\.durationMetric: "a b" is not a Prometheus metric name; use letters, digits, _ and :, not starting with a digit$/);
});

test("redis targets: name, address and password, each checked, names unique", () => {
    const [main] = accepted({ redis: [{ name: "main-1", address: "redis:6379", password: "pw" }] }).monitoring.redis;
    assert.deepEqual(main, { name: "main-1", address: "redis:6379", password: "pw" });
    assert.equal(accepted({ redis: [{ name: "a", address: "a:1", password: "" }] }).monitoring.redis[0].password, undefined);
    refused({ redis: ["redis:6379"] }, /^redis\[0\]: expected an object with name and address$/);
    refused({ redis: [{ name: "Main", address: "redis:6379" }] }, /^redis\[0\]\.name: "Main" must be lowercase letters, digits and -$/);
    refused({ redis: [{ name: "main", address: "redis" }] }, /^redis\[0\]\.address: "redis" is not host:port/);
    refused({ redis: [{ address: "redis:6379" }] }, /^redis\[0\]\.name: required/);
    refused({ redis: [{ name: "a", address: "a:1" }, { name: "a", address: "b:1" }] }, /^redis\[1\]\.name: "a" is used twice/);
});

function receiver(item: Record<string, unknown>, options?: ParseOptions): Receiver {
    const receivers = parse({ receivers: [item] }, options).monitoring.receivers;
    assert.equal(receivers.length, 1);
    return receivers[0];
}

test("each receiver type keeps its own fields; severities default to critical and warning", () => {
    assert.deepEqual(receiver({ name: "tg", type: "telegram", botToken: "t", chatId: "-100123", apiUrl: "http://127.0.0.1:1" }),
        { name: "tg", severities: ["critical", "warning"], type: "telegram", chatId: -100123, botToken: "t", apiUrl: "http://127.0.0.1:1" });
    assert.deepEqual(receiver({ name: "d", type: "discord", webhookUrl: "https://d", severities: ["info"] }),
        { name: "d", severities: ["info"], type: "discord", webhookUrl: "https://d" });
    assert.deepEqual(receiver({ name: "s", type: "slack", webhookUrl: "https://s", channel: "#ops" }),
        { name: "s", severities: ["critical", "warning"], type: "slack", webhookUrl: "https://s", channel: "#ops" });
    assert.deepEqual(receiver({ name: "p", type: "pagerduty", routingKey: "k", url: "https://pd" }),
        { name: "p", severities: ["critical", "warning"], type: "pagerduty", routingKey: "k", url: "https://pd" });
    assert.deepEqual(receiver({ name: "w", type: "webhook", url: "https://w" }),
        { name: "w", severities: ["critical", "warning"], type: "webhook", url: "https://w" });
    assert.deepEqual(receiver({ name: "e", type: "email", to: "a@x", from: "b@x", smarthost: "smtp.x:587", authUsername: "u", authPassword: "p", requireTls: "false" }),
        { name: "e", severities: ["critical", "warning"], type: "email", to: "a@x", from: "b@x", smarthost: "smtp.x:587", authUsername: "u", authPassword: "p", requireTls: false });
    assert.equal((receiver({ name: "e", type: "email", to: "a@x", from: "b@x", smarthost: "smtp.x:587" }) as { requireTls: boolean }).requireTls, true);
});

test("receivers: each problem names the receiver's path", () => {
    refused({ receivers: ["tg"] }, /^receivers\[0\]: expected an object with name and type$/);
    refused({ receivers: [{ name: "Tg", type: "webhook", url: "u" }] }, /^receivers\[0\]\.name: "Tg" must be lowercase letters, digits and -$/);
    refused({ receivers: [{ name: "tg", type: "telegram", botToken: "t" }] }, /^receivers\[0\]\.chatId: set the numeric Telegram chat id/);
    refused({ receivers: [{ name: "tg", type: "telegram", botToken: "t", chatId: "abc" }] }, /^receivers\[0\]\.chatId: "abc" is not a whole number/);
    refused({ receivers: [{ name: "w", type: "webhook", url: "u", severities: ["page"] }] }, /^receivers\[0\]\.severities: "page" is not one of critical, warning, info$/);
    refused({ receivers: [{ name: "e", type: "email", to: "a@x", from: "b@x", smarthost: "smtp", authUsername: "u" }] },
        /^receivers\[0\]\.authPassword: receiver "e" has authUsername but no authPassword/);
    refused({ receivers: [{ name: "e", type: "email", to: "a@x", from: "b@x", smarthost: "smtp" }] }, /^receivers\[0\]\.smarthost: "smtp" is not host:port/);
    refused({ receivers: [{ name: "e", type: "email", from: "b@x", smarthost: "s:25" }] }, /^receivers\[0\]\.to: required/);
    refused({ receivers: [{ name: "w", type: "webhook", url: "u" }, { name: "w", type: "slack", webhookUrl: "u" }] }, /^receivers: name "w" is used twice/);
    for (const [type, field] of [["discord", "webhookUrl"], ["slack", "webhookUrl"], ["pagerduty", "routingKey"], ["webhook", "url"]]) {
        refused({ receivers: [{ name: "r", type }] }, new RegExp(`^receivers\\[0\\]\\.${field}: receiver "r" \\(${type}\\) is enabled but has no ${field}`));
    }
});

test("render without Pulumi: a missing receiver secret becomes the placeholder, not a problem", () => {
    const r = receiver({ name: "tg", type: "telegram", chatId: -1 }, { withoutSecrets: true });
    assert.equal((r as { botToken: string }).botToken, undecryptedSecret);
    assert.deepEqual(parse({ receivers: [{ name: "x", type: "webhook", enabled: "false" }] }).monitoring.receivers, []);
});

test("alert thresholds: JSON text or a map, numbers or numeric text, bounds inclusive, order of paired thresholds", () => {
    const spec = thresholdSpecs.memoryUsedPercent;
    assert.equal(parseAlertThresholds("{\"memoryUsedPercent\": 85}").thresholds.memoryUsedPercent, 85);
    assert.equal(parseAlertThresholds({ memoryUsedPercent: "85" }).thresholds.memoryUsedPercent, 85);
    assert.equal(parseAlertThresholds({ memoryUsedPercent: spec.min }).problems.length, 0);
    assert.equal(parseAlertThresholds({ memoryUsedPercent: spec.max }).problems.length, 0);
    for (const raw of [undefined, null, ""]) assert.deepEqual(parseAlertThresholds(raw).problems, [], String(raw));
    const below = parseAlertThresholds({ memoryUsedPercent: spec.min - 0.5 });
    assert.equal(below.thresholds.memoryUsedPercent, spec.default, "a refused value falls back to the default");
    assert.match(below.problems[0], /^alertThresholds\.memoryUsedPercent: 0\.5 is not a number from 1 to 100 \(%\); set it like `pulumi config set --path 'alertThresholds\.memoryUsedPercent' 90`/);
    assert.match(parseAlertThresholds({ memoryUsedPercent: spec.max + 1 }).problems[0], /^alertThresholds\.memoryUsedPercent: 101 is not a number/);
    assert.match(parseAlertThresholds({ memoryUsedPercent: " " }).problems[0], /^alertThresholds\.memoryUsedPercent: " " is not a number/);
    assert.match(parseAlertThresholds({ memoryUsedPercent: true }).problems[0], /^alertThresholds\.memoryUsedPercent: true is not a number/);
    assert.match(parseAlertThresholds("{memoryUsedPercent").problems[0], /^alertThresholds: not valid JSON\/YAML; set values with `pulumi config set --path 'alertThresholds\.memoryUsedPercent' 85`$/);
    assert.match(parseAlertThresholds([1]).problems[0], /^alertThresholds: expected a map of threshold name to number/);
    assert.match(parseAlertThresholds({ nope: 1 }).problems[0], /^alertThresholds\.nope: unknown threshold; use one of diskFreeWarningPercent, /);
    assert.deepEqual(parseAlertThresholds({ diskFreeCriticalPercent: 9, diskFreeWarningPercent: 10 }).problems, []);
    assert.match(parseAlertThresholds({ diskFreeCriticalPercent: 10, diskFreeWarningPercent: 10 }).problems[0],
        /^alertThresholds\.diskFreeCriticalPercent: 10 must be below alertThresholds\.diskFreeWarningPercent \(10\)/);
    assert.match(parseAlertThresholds({ appLatencyP95WarningSeconds: 6 }).problems[0], /^alertThresholds\.appLatencyP95WarningSeconds: 6 must be below/);
});

test("unset means default: null and empty values of scalar and list keys fall back", () => {
    const config = accepted({ sshUser: null, grafanaPort: "", logMaxFiles: null, ipv6: "", protect: null, appNetworks: "", grafanaAdminPassword: null, sshHostKey: null });
    assert.equal(config.host.sshUser, "deploy");
    assert.equal(config.monitoring.grafana.port, 3000);
    assert.equal(config.monitoring.logMaxFiles, 3);
    assert.equal(config.host.ipv6, true);
    assert.equal(config.host.protect, true);
    assert.deepEqual(config.monitoring.appNetworks, []);
    assert.equal(config.monitoring.grafana.adminPassword, undefined);
    assert.equal(config.host.sshHostKey, undefined);
    assert.deepEqual(accepted({ appNetworks: null }).monitoring.appNetworks, []);
});

test("patterns are anchored at both ends", () => {
    assert.equal(accepted({ retentionTime: "1h30m" }).monitoring.prometheus.retentionTime, "1h30m");
    for (const bad of ["x15s", "15sx"]) refused({ retentionTime: bad }, /^retentionTime: /);
    assert.equal(accepted({ retentionSize: "1.25GB" }).monitoring.prometheus.retentionSize, "1.25GB");
    refused({ retentionSize: "5GBx" }, /^retentionSize: /);
    refused({ logMaxSize: "x10m" }, /^logMaxSize: /);
    const app0 = { job: "api", targets: ["api:80"] };
    refused({ apps: [{ ...app0, targets: ["api:8000/metrics"] }] }, /^apps\[0\]\.targets\[0\]: "api:8000\/metrics" is not host:port; write it like api:8000, host\.docker\.internal:8000 or 10\.0\.0\.5:9200/);
    refused({ apps: [{ ...app0, job: "api!" }] }, /^apps\[0\]\.job: "api!" must start with a letter/);
    refused({ redis: [{ name: "main!", address: "redis:6379" }] }, /^redis\[0\]\.name: "main!"/);
    refused({ receivers: [{ name: "ops!", type: "webhook", url: "u" }] }, /^receivers\[0\]\.name: "ops!"/);
    refused({ sshAllowedCidrs: ["1::2::3:4:5:6:7:8/64"] }, /^sshAllowedCidrs\[0\]/);
    for (const bad of ["x123", "123x"]) refused({ hostMode: "hetzner-existing", hetznerServerId: bad }, /^hetznerServerId: /);
    for (const ignored of ["x123", "123x"]) assert.equal(accepted({ hetznerServerId: ignored }).host.hetznerServerId, undefined, ignored);
    assert.equal(accepted({ sshHostKey: "ecdsa-sha2-nistp384 AAAAE2V" }).host.sshHostKey, "ecdsa-sha2-nistp384 AAAAE2V");
    refused({ sshHostKey: "ecdsa-sha2-nistpx AAAAE2V" }, /^sshHostKey: /);
});

test("each built-in job name is reserved", () => {
    for (const job of ["prometheus", "alertmanager", "grafana", "node", "blackbox", "probe-http", "probe-tcp", "probe-icmp", "probe-dns"]) {
        refused({ apps: [{ job, targets: ["x:1"] }] }, new RegExp(`^apps\\[0\\]\\.job: job name "${job}" is used twice \\(built-in jobs: prometheus, alertmanager, grafana, node, blackbox, probe-http, probe-tcp, probe-icmp, probe-dns\\); rename it$`));
    }
    const [app] = accepted({ apps: [{ job: "api", targets: ["x:1"], labels: { team__: "x" } }] }).monitoring.apps;
    assert.deepEqual(app.labels, { team__: "x" }, "only a leading __ is reserved");
});

test("a missing field is reported once, as required, not also as malformed", () => {
    assert.deepEqual(problems({ apps: [{ targets: ["x:1"] }] }), ["apps[0].job: required; set it with `pulumi config set apps[0].job <value>`"]);
    assert.deepEqual(problems({ redis: [{}] }), [
        "redis[0].name: required; set it with `pulumi config set redis[0].name <value>`",
        "redis[0].address: required; set it with `pulumi config set redis[0].address <value>`",
    ]);
    assert.deepEqual(problems({ receivers: [{ type: "webhook", url: "u" }] }), ["receivers[0].name: required; set it with `pulumi config set receivers[0].name <value>`"]);
    assert.deepEqual(problems({ receivers: [{ name: "e", type: "email", to: "a@x", from: "b@x" }] }), ["receivers[0].smarthost: required; set it with `pulumi config set receivers[0].smarthost <value>`"]);
});

test("the messages list the values that would be accepted", () => {
    refused({ serverType: "cx22" }, new RegExp(`^serverType: "cx22" is not a current Hetzner server type; use one of ${Object.keys(hetznerServerTypes).join(", ")}$`));
    refused({ location: "mars" }, /^location: "mars" is not a Hetzner location; use one of fsn1, nbg1, hel1, ash, hil, sin$/);
    refused({ receivers: [{ name: "x", type: "sms" }] }, new RegExp(`^receivers\\[0\\]\\.type: "sms" is not one of ${receiverTypes.join(", ")}$`));
});

test("a Grafana password of exactly 12 characters is long enough", () => {
    assert.equal(accepted({ grafanaAdminPassword: "123456789012" }).monitoring.grafana.adminPassword, "123456789012");
    refused({ grafanaAdminPassword: "12345678901" }, /^grafanaAdminPassword: use at least 12 characters/);
});

test("sizes count in powers of 1024 for every unit; anything else is no size", () => {
    const units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
    units.forEach((unit, i) => assert.equal(sizeBytes(`2${unit}`), 2 * 1024 ** i, unit));
    assert.equal(sizeBytes("1.5GB"), 1.5 * 1024 ** 3);
    assert.ok(Number.isNaN(sizeBytes("lots")));
    assert.ok(Number.isNaN(sizeBytes("10")));
});

test("private addresses: each range from its first to its last address, IPv6 unique-local by its prefix, never a name", () => {
    for (const a of ["10.0.0.0", "10.255.255.255", "172.16.0.0", "172.31.255.255", "192.168.0.0", "192.168.255.255", "100.64.0.0", "100.127.255.255", "127.0.0.1", "::1", "fd12:3456::1", "fc00::1"]) {
        assert.equal(isPrivateAddress(a), true, a);
    }
    for (const a of ["9.255.255.255", "11.0.0.0", "172.32.0.0", "192.169.0.0", "100.128.0.0", "2001:db8:fd00::1", "fd12:not-an-address", "nas.lan", ""]) {
        assert.equal(isPrivateAddress(a), false, a);
    }
});
