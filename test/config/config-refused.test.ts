// Every kind of bad input is refused before any resource, by a message that starts with the key
// (as the user wrote it) and gives the fix. One table: what was already refused and what issue 11
// added (unknown or misplaced keys, reserved target labels, names outside Prometheus' grammar,
// sshUser, configRoot, retentionSize against the disk). A second table holds near misses that must
// still pass, so that no check refuses more than it should.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parser } from "@prometheus-io/lezer-promql";
import { ConfigError, parseStackConfig, type ConfigSource } from "../../config/parse";
import { type StackConfig } from "../../model/stack";
import { hetznerServerDiskGb, hetznerServerTypes, hostReservedDiskGb } from "../../model/catalog";
import { renderRules } from "../../render/rules";
import { projectDefaults, providerNamespaces, readProject, stackConfigSource, stackRawConfig } from "../../config/stackFiles";
import { toolAvailable } from "../externalTools";
import { refusalProblems } from "../configProblems";

const project = readProject().name;
const valid: Record<string, unknown> = { ...projectDefaults(readProject()), sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@laptop" };
const app = (fields: Record<string, unknown>) => ({ apps: [{ job: "api", targets: ["api:8000"], ...fields }] });
const receiver = (fields: Record<string, unknown>) => ({ receivers: [{ name: "ops", ...fields }] });

function source(outsideKeys: readonly string[] = []): ConfigSource {
    return { project, providerNamespaces: providerNamespaces(), outsideKeys };
}

function parse(config: Record<string, unknown>, outsideKeys: readonly string[] = []): StackConfig {
    return parseStackConfig("test", { ...valid, ...config }, { source: source(outsideKeys) });
}

function problems(config: Record<string, unknown>, outsideKeys: readonly string[] = []): readonly string[] {
    return refusalProblems(() => parse(config, outsideKeys), `${JSON.stringify(config)} ${outsideKeys.join(" ")}`);
}

interface Refusal {
    /** The bad input, in words. */
    readonly what: string;
    /** Stack values over a valid configuration. */
    readonly config?: Record<string, unknown>;
    /** Keys of the stack's configuration outside the project's namespace. */
    readonly outsideKeys?: readonly string[];
    /** The key the message names first, as the user wrote it. */
    readonly key: string;
    /** The fix the message gives. */
    readonly fix: RegExp;
}

const refusals: readonly Refusal[] = [
    // --- refused before issue 11 (from test/config/config.test.ts, test/integration/rules.test.ts, test/render/render-stack.test.ts) ---
    { what: "an invalid IPv4 CIDR", config: { sshAllowedCidrs: ["10.0.0.300/8"] }, key: "sshAllowedCidrs[0]", fix: /write it like 203\.0\.113\.7\/32/ },
    { what: "an IPv6 prefix over 128", config: { sshAllowedCidrs: ["2001:db8::/129"] }, key: "sshAllowedCidrs[0]", fix: /is not a CIDR/ },
    { what: "no SSH source at all", config: { sshAllowedCidrs: [] }, key: "sshAllowedCidrs", fix: /list at least one CIDR/ },
    { what: "a port out of range", config: { grafanaPort: 70000 }, key: "grafanaPort", fix: /whole number from 1 to 65535/ },
    { what: "two UIs on one port", config: { grafanaPort: 9090 }, key: "grafanaPort", fix: /already used by prometheusPort; pick another port/ },
    { what: "a UI on the SSH port", config: { alertmanagerPort: 22 }, key: "alertmanagerPort", fix: /already used by sshPort/ },
    { what: "a retention in words", config: { retentionTime: "7 days" }, key: "retentionTime", fix: /write it like 15s, 5m, 7d or 1h30m/ },
    { what: "a retention size without unit", config: { retentionSize: "10" }, key: "retentionSize", fix: /write it like 512MB, 5GB or 1TB/ },
    { what: "two apps with one job name", config: { apps: [{ job: "api", targets: ["api:80"] }, { job: "api", targets: ["api:81"] }] }, key: "apps[1].job", fix: /used twice.*rename it/ },
    { what: "an app named like a built-in job", config: app({ job: "prometheus" }), key: "apps[0].job", fix: /used twice \(built-in jobs: prometheus/ },
    { what: "a target with scheme and path", config: app({ targets: ["http://api:8000/metrics"] }), key: "apps[0].targets[0]", fix: /no scheme, no path/ },
    { what: "a target without port", config: app({ targets: ["api"] }), key: "apps[0].targets[0]", fix: /write it like api:8000/ },
    { what: "an enabled receiver without its secret", config: receiver({ type: "telegram", chatId: -100123 }), key: "receivers[0].botToken", fix: /`pulumi config set --secret --path 'receivers\[0\]\.botToken' <value>` or set receivers\[0\]\.enabled to false/ },
    { what: "an unknown receiver type", config: receiver({ type: "sms" }), key: "receivers[0].type", fix: /is not one of telegram, discord/ },
    { what: "a retired server type", config: { serverType: "cx22" }, key: "serverType", fix: /use one of cx23/ },
    { what: "an AWS region as location", config: { location: "us-east-1" }, key: "location", fix: /use one of fsn1/ },
    { what: "an image on latest", config: { grafanaImage: "grafana/grafana:latest" }, key: "grafanaImage", fix: /name an exact version/ },
    { what: "an image without tag", config: { prometheusImage: "prom/prometheus" }, key: "prometheusImage", fix: /name an exact version/ },
    { what: "a scrape timeout over the interval", config: { scrapeTimeout: "30s" }, key: "scrapeTimeout", fix: /longer than scrapeInterval 15s; make it shorter/ },
    { what: "memory limits over the server's memory", config: { serverType: "cpx12", prometheusMemoryMb: 2048 }, key: "serverType", fix: /lower the \*MemoryMb keys or pick a larger serverType/ },
    { what: "a new server without a key", config: { sshPublicKey: "" }, key: "sshPublicKey", fix: /set sshPublicKey to your public key .* or hetznerSshKeyName/ },
    { what: "adopting without a server id", config: { hostMode: "hetzner-existing" }, key: "hetznerServerId", fix: /numeric id of the server to adopt/ },
    { what: "adopting with a server name instead of its id", config: { hostMode: "hetzner-existing", hetznerServerId: "monitoring-prod" }, key: "hetznerServerId", fix: /numeric id/ },
    { what: "ssh mode without a host", config: { hostMode: "ssh" }, key: "sshHost", fix: /needs the address of the host/ },
    { what: "an unknown host mode", config: { hostMode: "aws" }, key: "hostMode", fix: /must be hetzner \(create a server\)/ },
    { what: "a host key with the host name in front", config: { sshHostKey: "10.0.0.5 ssh-ed25519 AAAAC3Nza" }, key: "sshHostKey", fix: /`ssh-keyscan -t ed25519 <host>` \(without the host name\)/ },
    { what: "a short Grafana password", config: { grafanaAdminPassword: "admin" }, key: "grafanaAdminPassword", fix: /at least 12 characters, or unset it/ },
    { what: "a label name with a dash", config: app({ labels: { "bad-name": "x" } }), key: "apps[0].labels.bad-name", fix: /not a valid Prometheus label name; use letters, digits and _/ },
    { what: "a threshold out of range", config: { alertThresholds: { memoryUsedPercent: 900 } }, key: "alertThresholds.memoryUsedPercent", fix: /from 1 to 100 .*pulumi config set --path 'alertThresholds\.memoryUsedPercent' 90/ },
    { what: "an unknown threshold", config: { alertThresholds: { noSuchThreshold: 1 } }, key: "alertThresholds.noSuchThreshold", fix: /use one of diskFreeWarningPercent/ },
    { what: "thresholds in the wrong order", config: { alertThresholds: { diskFreeCriticalPercent: 20 } }, key: "alertThresholds.diskFreeCriticalPercent", fix: /must be below alertThresholds\.diskFreeWarningPercent/ },
    { what: "thresholds as a list", config: { alertThresholds: [1] }, key: "alertThresholds", fix: /expected a map of threshold name to number/ },
    { what: "thresholds as broken JSON", config: { alertThresholds: "{nope" }, key: "alertThresholds", fix: /not valid JSON\/YAML structured config; set it with `pulumi config set --path`/ },
    { what: "a duration unit in minutes", config: app({ durationUnit: "minutes" }), key: "apps[0].durationUnit", fix: /must be seconds or milliseconds/ },
    { what: "a request metric with a dash", config: app({ requestsMetric: "bad-name" }), key: "apps[0].requestsMetric", fix: /not a Prometheus metric name; use letters, digits, _ and :/ },
    { what: "a severity nobody sends", config: receiver({ type: "webhook", url: "https://hooks.example/x", severities: ["loud"] }), key: "receivers[0].severities", fix: /is not one of critical, warning, info/ },
    // --- refused before issue 11, without a test until now ---
    { what: "a metrics path without /", config: app({ metricsPath: "metrics" }), key: "apps[0].metricsPath", fix: /must start with \// },
    { what: "an ftp scheme", config: app({ scheme: "ftp" }), key: "apps[0].scheme", fix: /must be http or https/ },
    { what: "an app without targets", config: app({ targets: [] }), key: "apps[0].targets", fix: /list at least one host:port/ },
    { what: "a job name with a space", config: app({ job: "my api" }), key: "apps[0].job", fix: /must start with a letter and use letters, digits, _ or -/ },
    { what: "an errors metric with a dash", config: app({ errorsMetric: "api-errors" }), key: "apps[0].errorsMetric", fix: /not a Prometheus metric name/ },
    { what: "an error status that is no regular expression", config: app({ errorStatus: "5((" }), key: "apps[0].errorStatus", fix: /write it like 5\.\. or 5\.\.\|429/ },
    { what: "apps as a map", config: { apps: { job: "api" } }, key: "apps", fix: /expected a list/ },
    { what: "apps as broken JSON", config: { apps: "[{" }, key: "apps", fix: /set it with `pulumi config set --path`/ },
    { what: "a Redis address without port", config: { redis: [{ name: "main", address: "redis" }] }, key: "redis[0].address", fix: /write it like redis:6379/ },
    { what: "a Redis name in capitals", config: { redis: [{ name: "Main", address: "redis:6379" }] }, key: "redis[0].name", fix: /lowercase letters, digits and -/ },
    { what: "two Redis servers with one name", config: { redis: [{ name: "main", address: "a:6379" }, { name: "main", address: "b:6379" }] }, key: "redis[1].name", fix: /used twice; names must be unique/ },
    { what: "a receiver name with spaces", config: { receivers: [{ name: "On Call", type: "webhook", url: "https://x" }] }, key: "receivers[0].name", fix: /lowercase letters, digits and -/ },
    { what: "two receivers with one name", config: { receivers: [{ name: "a", type: "webhook", url: "https://x" }, { name: "a", type: "webhook", url: "https://y" }] }, key: "receivers", fix: /name "a" is used twice/ },
    { what: "a Telegram receiver without chat id", config: receiver({ type: "telegram", botToken: "1:T" }), key: "receivers[0].chatId", fix: /numeric Telegram chat id \(for groups it starts with -100\)/ },
    { what: "an SMTP user without password", config: receiver({ type: "email", to: "a@x", from: "b@x", smarthost: "smtp.x:587", authUsername: "u" }), key: "receivers[0].authPassword", fix: /pulumi config set --secret --path 'receivers\[0\]\.authPassword'/ },
    { what: "an SMTP host without port", config: receiver({ type: "email", to: "a@x", from: "b@x", smarthost: "smtp.x" }), key: "receivers[0].smarthost", fix: /e\.g\. smtp\.example\.com:587/ },
    { what: "a /30 Docker subnet", config: { dockerSubnet: "172.30.0.0/30" }, key: "dockerSubnet", fix: /\/29 or larger/ },
    { what: "a log size in MB", config: { logMaxSize: "10MB" }, key: "logMaxSize", fix: /look like 10m or 512k/ },
    { what: "no log file kept", config: { logMaxFiles: 0 }, key: "logMaxFiles", fix: /from 1 to 100/ },
    { what: "a memory limit below 16 MB", config: { prometheusMemoryMb: 8 }, key: "prometheusMemoryMb", fix: /from 16 to/ },
    { what: "a server without public address", config: { ipv4: false, ipv6: false }, key: "ipv4", fix: /set ipv4 or ipv6 to true/ },
    { what: "yes as a boolean", config: { ipv6: "yes" }, key: "ipv6", fix: /is not true or false/ },
    { what: "a private key as public key", config: { sshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" }, key: "sshPublicKey", fix: /paste the one line from ~\/\.ssh\/id_ed25519\.pub/ },
    // --- issue 11: keys nobody reads ---
    { what: "a typo'd key", config: { retentoin: "30d" }, key: `${project}:retentoin`, fix: new RegExp(`unknown key; did you mean ${project}:retentionTime or ${project}:retentionSize\\?`) },
    { what: "a key in the wrong case", config: { RetentionTime: "30d" }, key: `${project}:RetentionTime`, fix: new RegExp(`did you mean ${project}:retentionTime\\?`) },
    { what: "a key like none of ours", config: { frobnicate: true }, key: `${project}:frobnicate`, fix: /unknown key; remove it \(the keys are listed in README\.md under Configuration\)/ },
    { what: "a project key without namespace", outsideKeys: ["retentionTime"], key: "retentionTime", fix: new RegExp(`without a namespace is read by nobody; did you mean ${project}:retentionTime\\?`) },
    { what: "a project key in another namespace", outsideKeys: ["foo:retentionTime"], key: "foo:retentionTime", fix: new RegExp(`nothing reads namespace foo; did you mean ${project}:retentionTime\\?`) },
    { what: "a project key under a misspelt project name", outsideKeys: ["vps-monitorng:grafanaPort"], key: "vps-monitorng:grafanaPort", fix: new RegExp(`did you mean ${project}:grafanaPort\\?`) },
    { what: "a project key under a provider's namespace", outsideKeys: ["hcloud:serverType"], key: "hcloud:serverType", fix: new RegExp(`a setting of this program, not of the hcloud provider; did you mean ${project}:serverType\\?`) },
    { what: "a key of a provider this program does not use", outsideKeys: ["aws:region"], key: "aws:region", fix: new RegExp(`remove it \\(this program reads ${project}:<key> and the settings of pulumi, .*hcloud`) },
    { what: "a typo'd app field", config: app({ metricPath: "/m" }), key: "apps[0].metricPath", fix: /an app has no field metricPath; did you mean apps\[0\]\.metricsPath\?/ },
    { what: "an app field like none of ours", config: app({ interval: "5s" }), key: "apps[0].interval", fix: /remove it; its fields are job, targets, metricsPath/ },
    { what: "a typo'd Redis field", config: { redis: [{ name: "main", address: "redis:6379", pasword: "x" }] }, key: "redis[0].pasword", fix: /did you mean redis\[0\]\.password\?/ },
    { what: "a typo'd receiver field", config: receiver({ type: "slack", webhookUrl: "https://x", chanel: "#ops" }), key: "receivers[0].chanel", fix: /a slack receiver has no field chanel; did you mean receivers\[0\]\.channel\?/ },
    { what: "a field of another receiver type", config: receiver({ type: "telegram", botToken: "1:T", chatId: -100, channel: "#ops" }), key: "receivers[0].channel", fix: /a telegram receiver has no field channel; remove it; its fields are/ },
    { what: "a typo'd field of a disabled receiver", config: receiver({ type: "telegram", enabled: false, chatID: -100 }), key: "receivers[0].chatID", fix: /did you mean receivers\[0\]\.chatId\?/ },
    { what: "a typo'd threshold", config: { alertThresholds: { memoryUsedPercnt: 85 } }, key: "alertThresholds.memoryUsedPercnt", fix: /did you mean alertThresholds\.memoryUsedPercent\?/ },
    // --- issue 11: target labels that break the rules ---
    { what: "a job label", config: app({ labels: { job: "trading" } }), key: "apps[0].labels.job", fix: /TargetDown and every per-app rule select on it; remove the label and rename apps\[0\]\.job instead/ },
    { what: "an instance label", config: app({ labels: { instance: "api-1" } }), key: "apps[0].labels.instance", fix: /breaks TargetDown and the per-app alerts; remove it/ },
    { what: "a label reserved for Prometheus", config: app({ labels: { __scheme__: "https" } }), key: "apps[0].labels.__scheme__", fix: /reserved for Prometheus' own labels/ },
    { what: "a label whose value is a map", config: app({ labels: { team: { name: "ops" } } }), key: "apps[0].labels.team", fix: /expected a text value/ },
    // --- issue 11: names in PromQL follow Prometheus' grammar ---
    { what: "a status label with a dash", config: app({ statusLabel: "status-code" }), key: "apps[0].statusLabel", fix: /use letters, digits and _ \(not job, not starting with __\), e\.g\. status or code/ },
    { what: "a status label with a colon (fine for metrics, not labels)", config: app({ statusLabel: "http:status" }), key: "apps[0].statusLabel", fix: /e\.g\. status or code/ },
    { what: "job as the status label", config: app({ statusLabel: "job" }), key: "apps[0].statusLabel", fix: /not job/ },
    { what: "a duration metric with a dot", config: app({ durationMetric: "http.duration" }), key: "apps[0].durationMetric", fix: /not a Prometheus metric name/ },
    { what: "a metric name starting with a digit", config: app({ requestsMetric: "5xx_total" }), key: "apps[0].requestsMetric", fix: /not starting with a digit/ },
    { what: "an error status with lookahead (not RE2)", config: app({ errorStatus: "5(?!04).." }), key: "apps[0].errorStatus", fix: /lookaround or a backreference, which Prometheus' regular expressions \(RE2\) lack/ },
    { what: "an error status with a backreference", config: app({ errorStatus: "(5)\\1." }), key: "apps[0].errorStatus", fix: /\(RE2\) lack/ },
    // --- issue 11: nothing a shell interprets reaches the printed commands ---
    { what: "an sshUser with shell metacharacters", config: { sshUser: "qt; rm -rf ~" }, key: "sshUser", fix: /not a POSIX user name; use at most 32 lowercase letters, digits, _ and -, starting with a letter or _ \(e\.g\. deploy\)/ },
    { what: "an sshUser with a command substitution", config: { sshUser: "$(reboot)" }, key: "sshUser", fix: /not a POSIX user name/ },
    { what: "an sshUser in capitals", config: { sshUser: "Deploy" }, key: "sshUser", fix: /lowercase/ },
    { what: "an sshUser of 33 characters", config: { sshUser: "d".repeat(33) }, key: "sshUser", fix: /at most 32/ },
    { what: "root as a new server's sshUser", config: { sshUser: "root" }, key: "sshUser", fix: /refuses root logins .* name a non-root user such as deploy/ },
    { what: "an sshHost with a user", config: { hostMode: "ssh", sshHost: "ops@10.0.0.5" }, key: "sshHost", fix: /no user, port or scheme/ },
    { what: "an sshHost with a command", config: { hostMode: "ssh", sshHost: "host;reboot" }, key: "sshHost", fix: /not a host name or IP address/ },
    // --- issue 11: configRoot ---
    { what: "a configRoot that climbs out with ..", config: { configRoot: "/opt/../etc/ssh" }, key: "configRoot", fix: /contains \.\.; name the directory itself, like \/opt\/monitoring/ },
    { what: "a relative configRoot", config: { configRoot: "opt/monitoring" }, key: "configRoot", fix: /not an absolute path/ },
    { what: "a configRoot with a space", config: { configRoot: "/opt/my monitoring" }, key: "configRoot", fix: /only use letters, digits/ },
    ...["/", "/etc", "/etc/monitoring", "/usr/local/monitoring", "/bin/x", "/sbin/x", "/lib/x", "/lib64/x", "/libx32", "/boot/x", "/proc/x", "/sys/x", "/dev/shm/x",
        "/run/monitoring", "/tmp/monitoring", "/var/tmp/x", "/var/lib/docker", "/var/lib/docker/volumes/x", "/root", "/home", "/opt", "/var", "/var/lib", "/srv"]
        .map((dir): Refusal => ({ what: `configRoot ${dir}`, config: { configRoot: dir }, key: "configRoot", fix: /give it a directory of its own, like \/opt\/monitoring/ })),
    // --- issue 11: retentionSize against the disk ---
    { what: "a retention larger than the disk", config: { dataVolume: false, retentionSize: "50GB" }, key: "retentionSize", fix: new RegExp(`does not fit cx23's 40 GB disk, which must keep ${hostReservedDiskGb} GB .*; set it to at most 23GB or pick a serverType with a larger disk`) },
    { what: "a retention that leaves no headroom", config: { dataVolume: false, retentionSize: "24GB" }, key: "retentionSize", fix: /at most 23GB/ },
    // --- receiver types added through model/receivers.ts ---
    { what: "an Opsgenie receiver without its API key", config: receiver({ type: "opsgenie" }), key: "receivers[0].apiKey", fix: /`pulumi config set --secret --path 'receivers\[0\]\.apiKey' <value>`/ },
    { what: "an Opsgenie API URL without the trailing /", config: receiver({ type: "opsgenie", apiKey: "k", apiUrl: "https://api.eu.opsgenie.com" }), key: "receivers[0].apiUrl", fix: /ending in \/; write it like https:\/\/api\.eu\.opsgenie\.com\// },
    { what: "a retention in TB on the largest shared server", config: { dataVolume: false, serverType: "cpx62", retentionSize: "1TB" }, key: "retentionSize", fix: /does not fit cpx62's 640 GB disk/ },
];

for (const r of refusals) {
    test(`refuses ${r.what}, naming ${r.key}`, () => {
        const found = problems(r.config ?? {}, r.outsideKeys ?? []);
        const named = found.filter((p) => p.startsWith(`${r.key}: `));
        assert.ok(named.length > 0, `no problem names ${r.key}:\n${found.join("\n")}`);
        assert.ok(named.some((p) => r.fix.test(p)), `the problem for ${r.key} does not give the fix ${r.fix}:\n${named.join("\n")}`);
    });
}

interface Acceptance {
    readonly what: string;
    readonly config?: Record<string, unknown>;
    readonly outsideKeys?: readonly string[];
    /** What the parsed configuration must then hold. */
    readonly check?: (c: StackConfig) => void;
}

const acceptances: readonly Acceptance[] = [
    { what: "the providers' own settings", outsideKeys: ["hcloud:token", "docker:host", "command:x", "tls:y", "random:z", "pulumi:tags", "pulumi:disable-default-providers"] },
    { what: "ordinary target labels", config: app({ labels: { service: "ai-engine", team: "ops", tier: 1 } }), check: (c) => assert.deepEqual(c.monitoring.apps[0].labels, { service: "ai-engine", team: "ops", tier: "1" }) },
    { what: "a status label named code", config: app({ statusLabel: "code", errorStatus: "5..|429" }) },
    { what: "a metric name with colons", config: app({ requestsMetric: "api:requests:total" }) },
    { what: "an error status with a quote and a backslash (quoted in PromQL, see below)", config: app({ errorStatus: "5\"..|5\\d\\d" }) },
    { what: "a configRoot with a trailing /", config: { configRoot: "/opt/monitoring/" }, check: (c) => assert.equal(c.monitoring.configRoot, "/opt/monitoring") },
    { what: "a configRoot with // and .", config: { configRoot: "/opt//vps-monitoring/./" }, check: (c) => assert.equal(c.monitoring.configRoot, "/opt/vps-monitoring") },
    ...["/opt/monitoring", "/srv/monitoring", "/home/deploy/monitoring", "/var/lib/monitoring", "/root/monitoring", "/data/monitoring", "/opt/etc", "/library"]
        .map((dir): Acceptance => ({ what: `configRoot ${dir}`, config: { configRoot: dir }, check: (c) => assert.equal(c.monitoring.configRoot, dir) })),
    { what: "the largest retention a cx23 leaves room for", config: { dataVolume: false, retentionSize: "23GB" } },
    { what: "a retention in MB", config: { dataVolume: false, retentionSize: "20000MB" } },
    { what: "a large retention on a large disk", config: { dataVolume: false, serverType: "ccx63", retentionSize: "800GB" } },
    { what: "any retention on an SSH host (its disk is unknown)", config: { hostMode: "ssh", sshHost: "10.92.3.27", retentionSize: "1TB" } },
    ...["deploy", "qt", "_ci-bot", "ops2", "d".repeat(32)].map((user): Acceptance => ({ what: `sshUser ${user}`, config: { sshUser: user } })),
    { what: "root on an existing SSH host", config: { hostMode: "ssh", sshHost: "10.0.0.5", sshUser: "root" } },
    ...["monitoring.example.com", "10.92.3.27", "2001:db8::7", "host-1"].map((host): Acceptance => ({ what: `sshHost ${host}`, config: { hostMode: "ssh", sshHost: host } })),
    { what: "an Opsgenie receiver in the EU region", config: receiver({ type: "opsgenie", apiKey: "k", apiUrl: "https://api.eu.opsgenie.com/" }),
        check: (c) => assert.deepEqual(c.monitoring.receivers[0], { name: "ops", severities: ["critical", "warning"], type: "opsgenie", apiKey: "k", apiUrl: "https://api.eu.opsgenie.com/" }) },
    { what: "a disabled receiver without its secret or chat id", config: receiver({ type: "telegram", enabled: false }), check: (c) => assert.equal(c.monitoring.receivers.length, 0) },
];

for (const a of acceptances) {
    test(`accepts ${a.what}`, () => {
        const config = parse(a.config ?? {}, a.outsideKeys ?? []);
        a.check?.(config);
    });
}

test("every committed stack file passes, its keys checked against their namespaces", () => {
    const stacks = fs.readdirSync(path.join(__dirname, "..", "..")).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
    assert.ok(stacks.length >= 3, `found only ${stacks.join(", ")}`);
    for (const stack of stacks) parseStackConfig(stack, stackRawConfig(stack), { withoutSecrets: true, source: stackConfigSource(stack) });
});

test("a did-you-mean suggests only the project's keys and structured keys", () => {
    const message = problems({ retentoin: "1d" }).join("\n");
    const declared = new Set([...Object.keys(valid), "apps", "redis", "receivers", "alertThresholds", "remoteWrite"]);
    for (const [, key] of message.matchAll(new RegExp(`${project}:(\\w+)`, "g"))) if (key !== "retentoin") assert.ok(declared.has(key), key);
});

test("every Hetzner server type has its memory and its disk, and the disk leaves room after the headroom", () => {
    assert.deepEqual(Object.keys(hetznerServerDiskGb).sort(), Object.keys(hetznerServerTypes).sort());
    for (const [type, disk] of Object.entries(hetznerServerDiskGb)) assert.ok(disk - hostReservedDiskGb >= 20, `${type}: ${disk} GB`);
});

// --- every user string placed in PromQL is quoted by construction ---

const nastyErrorStatuses = ["5\"..", "5\\d\\d", "\"5..\"", "5..|4\\\"29", "a\\\\b", "5..\n|429"];

function appRules(errorStatus: string): string {
    const m = parse(app({ errorStatus })).monitoring;
    return renderRules(m).find((f) => f.path.endsWith("/apps.yml"))?.content ?? assert.fail("no apps.yml");
}

/** The string literal of the status matcher in each PromQL expression, unquoted, and any syntax errors. */
function statusMatchers(exprs: readonly string[]): { values: string[]; errors: string[] } {
    const values: string[] = [];
    const errors: string[] = [];
    for (const expr of exprs) {
        parser.parse(expr).iterate({
            enter(n) {
                if (n.type.isError) errors.push(`${expr} at ${n.from}`);
                if (n.name !== "UnquotedLabelMatcher") return;
                const label = n.node.getChild("LabelName");
                const value = n.node.getChild("StringLiteral");
                // PromQL's escapes, as the builder writes them, are JSON's.
                if (label && value && expr.slice(label.from, label.to) === "status") values.push(JSON.parse(expr.slice(value.from, value.to)) as string);
            },
        });
    }
    return { values, errors };
}

test("an errorStatus with quotes, backslashes or a newline becomes one valid PromQL string that holds it exactly", async () => {
    const yaml = await import("js-yaml");
    for (const errorStatus of nastyErrorStatuses) {
        const doc = yaml.load(appRules(errorStatus)) as { groups: { rules: { expr: string }[] }[] };
        const { values, errors } = statusMatchers(doc.groups.flatMap((g) => g.rules.map((r) => r.expr)));
        assert.deepEqual(errors, [], `${JSON.stringify(errorStatus)}: PromQL syntax errors`);
        assert.deepEqual(values, [errorStatus], `${JSON.stringify(errorStatus)}: the matcher holds another value`);
    }
});

test("promtool accepts the rule files rendered from those errorStatus values", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refused-"));
    try {
        const files = nastyErrorStatuses.map((errorStatus, i) => {
            const file = path.join(dir, `apps-${i}.yml`);
            fs.writeFileSync(file, appRules(errorStatus));
            return file;
        });
        const result = spawnSync("promtool", ["check", "rules", ...files], { encoding: "utf8" });
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("a backslash in errorStatus keeps its regex meaning: 5\\d\\d counts 500s, not 200s (promtool test rules)", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refused-"));
    try {
        fs.writeFileSync(path.join(dir, "apps.yml"), appRules("5\\d\\d"));
        fs.writeFileSync(path.join(dir, "apps.test.yml"), [
            "rule_files: [apps.yml]",
            "evaluation_interval: 1m",
            "tests:",
            "  - interval: 1m",
            "    input_series:",
            "      - { series: 'http_requests_total{job=\"api\",status=\"500\"}', values: '0+60x10' }",
            "      - { series: 'http_requests_total{job=\"api\",status=\"200\"}', values: '0+180x10' }",
            "    promql_expr_test:",
            "      - expr: job:http_requests_errors:ratio_rate5m",
            "        eval_time: 10m",
            "        exp_samples: [{ labels: 'job:http_requests_errors:ratio_rate5m{job=\"api\"}', value: 0.25 }]",
            "",
        ].join("\n"));
        const result = spawnSync("promtool", ["test", "rules", "apps.test.yml"], { encoding: "utf8", cwd: dir });
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

// --- what the stack prints for a shell is quoted word by word ---

/** The words a POSIX shell makes of `line`, without running any of them. */
function wordsOf(line: string): string[] {
    const result = spawnSync("/bin/sh", ["-c", `printf '%s\\0' ${line}`], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.split("\0").slice(0, -1);
}

test("shellWord: any string comes back from the shell as one word, unchanged", async () => {
    const { shellWord } = await import("../../render/access");
    for (const word of ["deploy@203.0.113.10", "qt; rm -rf ~", "$(reboot)", "`id`", "it's", "a b", "*", "-L 3001:127.0.0.1:3001", "'", "\\", "\"$HOME\"", "x\ny"]) {
        assert.deepEqual(wordsOf(shellWord(word)), [word], JSON.stringify(word));
    }
});

test("the printed ssh and tunnel commands are, word for word, the ssh arguments intended", async () => {
    const { hostKeyOptions, sshCommand, tunnelCommand } = await import("../../render/access");
    const config = parse({ grafanaPort: 3001 });
    const target = { user: "qt", address: "203.0.113.10", port: 2222, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKey" };
    const destination = [...hostKeyOptions(target), "-p", "2222", "qt@203.0.113.10"];
    assert.deepEqual(wordsOf(sshCommand(target)), ["ssh", ...destination]);
    assert.deepEqual(wordsOf(tunnelCommand(config.monitoring, target)),
        ["ssh", "-N", "-L", "3001:127.0.0.1:3001", "-L", "9090:127.0.0.1:9090", "-L", "9093:127.0.0.1:9093", ...destination]);
});

test("the README states the disk headroom the code uses", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    assert.match(readme, new RegExp(`disk minus ${hostReservedDiskGb} GB of headroom`));
    const cx23Max = Math.floor((hetznerServerDiskGb.cx23 - hostReservedDiskGb) * 1e9 / 2 ** 30);
    assert.match(readme, new RegExp(`at most ${cx23Max}GB on a cx23 \\(${hetznerServerDiskGb.cx23} GB\\)`));
});

test("npm run render checks the stack file's keys outside the namespace too", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refused-stack-"));
    try {
        fs.copyFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), [
            "config:",
            `  ${project}:hetznerSshKeyName: deploy`,
            "  retentionTime: 30d",
            "  hcloud:token: passes",
            "",
        ].join("\n"));
        assert.throws(() => parseStackConfig("bad", stackRawConfig("bad", dir), { withoutSecrets: true, source: stackConfigSource("bad", dir) }),
            (e: unknown) => e instanceof ConfigError && e.problems.length === 1 &&
                e.problems[0] === `retentionTime: a key without a namespace is read by nobody; did you mean ${project}:retentionTime?`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
