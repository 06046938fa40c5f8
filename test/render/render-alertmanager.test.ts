import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { type MonitoringConfig } from "../../model/stack";
import { alertmanagerCommand, alertmanagerContainerPath, renderAlertmanager } from "../../render/alertmanager";
import type { RenderedFile } from "../../render/files";
import { alertmanagerSecrets, forDebianAlertmanager } from "../../rehearsal/skew";

type Notifier = Record<string, string | number | boolean>;
interface AmReceiver {
    name: string;
    [configs: string]: Notifier[] | string;
}
interface AmRoute {
    receiver: string;
    matchers?: string[];
    group_by?: string[];
    group_wait?: string;
    group_interval?: string;
    repeat_interval?: string;
    routes?: AmRoute[];
}
interface AmInhibitRule { source_matchers: string[]; target_matchers: string[]; equal: string[] }
interface AlertmanagerYaml { route: AmRoute; inhibit_rules: AmInhibitRule[]; receivers: AmReceiver[] }

const secrets = {
    telegram: "tg-token-SECRET1",
    discord: "https://discord.com/api/webhooks/1/SECRET2",
    slack: "https://hooks.slack.com/services/SECRET3",
    pagerduty: "pd-routing-key-SECRET4",
    email: "smtp-password-SECRET5",
    webhook: "https://hooks.example.com/SECRET6",
    deadMansSwitch: "https://hc-ping.com/SECRET7",
    opsgenie: "og-api-key-SECRET8",
};

/** One receiver of every type; oncall gets critical only, chat critical+warning, the rest info. */
const allReceivers = [
    { name: "oncall", type: "pagerduty", routingKey: secrets.pagerduty, url: "https://events.pagerduty.com/v2/enqueue", severities: ["critical"] },
    { name: "chat", type: "telegram", chatId: -1001234567890, botToken: secrets.telegram, apiUrl: "http://127.0.0.1:8081", severities: ["critical", "warning"] },
    { name: "discord", type: "discord", webhookUrl: secrets.discord, severities: ["info"] },
    { name: "slack", type: "slack", webhookUrl: secrets.slack, channel: "#alerts", severities: ["info"] },
    { name: "mail", type: "email", to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", authUsername: "am", authPassword: secrets.email, severities: ["info"] },
    { name: "hook", type: "webhook", url: secrets.webhook, severities: ["info"] },
    { name: "genie", type: "opsgenie", apiKey: secrets.opsgenie, apiUrl: "https://api.eu.opsgenie.com/", severities: ["info"] },
];

function monitoring(raw: Record<string, unknown> = {}): MonitoringConfig {
    return parseStackConfig("test", { hetznerSshKeyName: "deploy", ...raw }).monitoring;
}

function mainFile(files: readonly RenderedFile[]): RenderedFile {
    const main = files.find((f) => f.path === "alertmanager/alertmanager.yml");
    assert.ok(main, "alertmanager.yml not rendered");
    return main;
}

function rendered(m: MonitoringConfig): AlertmanagerYaml {
    return load(mainFile(renderAlertmanager(m)).content) as AlertmanagerYaml;
}

function receiver(config: AlertmanagerYaml, name: string): AmReceiver {
    const found = config.receivers.find((r) => r.name === name);
    assert.ok(found, `receiver ${name} missing; receivers: ${config.receivers.map((r) => r.name).join(", ")}`);
    return found;
}

function notifiers(r: AmReceiver, key: string): Notifier[] {
    const value = r[key];
    return Array.isArray(value) ? value : [];
}

/** Names of the configured receivers whose notifiers an Alertmanager receiver holds (by secret file). */
function members(r: AmReceiver): string[] {
    return Object.values(r).flatMap((v) => (Array.isArray(v) ? v : []))
        .flatMap((n) => Object.entries(n).filter(([k]) => k.endsWith("_file")).map(([, path]) => String(path)))
        .map((path) => path.replace(/^\/etc\/alertmanager\/current\/secrets\//, "").replace(/-[a-z_]+$/, ""))
        .sort();
}

function isEmptyReceiver(r: AmReceiver): boolean {
    return Object.keys(r).every((k) => k === "name");
}

function routeFor(config: AlertmanagerYaml, matcher: string): AmRoute {
    const found = (config.route.routes ?? []).find((r) => r.matchers?.includes(matcher));
    assert.ok(found, `no route for ${matcher}`);
    return found;
}

test("credentials are only in secret files, never in alertmanager.yml", () => {
    const files = renderAlertmanager(monitoring({ receivers: allReceivers, deadMansSwitchUrl: secrets.deadMansSwitch }));
    const main = mainFile(files);
    assert.equal(main.secret, false);
    for (const value of Object.values(secrets)) {
        assert.equal(main.content.includes(value), false, `${value} is inline in alertmanager.yml`);
        const file = files.find((f) => f.content === value);
        assert.ok(file, `no secret file holds ${value}`);
        assert.equal(file.secret, true);
        assert.equal(file.owner, 65534);
        assert.match(file.path, /^alertmanager\/secrets\/[a-z0-9-]+-[a-z_]+$/);
        assert.ok(main.content.includes(`/etc/alertmanager/current/secrets/${file.path.split("/").pop()}`), `${file.path} is not referenced`);
    }
    assert.equal(files.filter((f) => f.secret).length, Object.keys(secrets).length);
});

test("each receiver type references its secret through the *_file field", () => {
    const config = rendered(monitoring({ receivers: allReceivers }));
    const all = receiver(config, "default");
    const expected: [string, string, string][] = [
        ["telegram_configs", "bot_token_file", "chat-bot_token"],
        ["discord_configs", "webhook_url_file", "discord-webhook_url"],
        ["slack_configs", "api_url_file", "slack-api_url"],
        ["pagerduty_configs", "routing_key_file", "oncall-routing_key"],
        ["email_configs", "auth_password_file", "mail-auth_password"],
        ["webhook_configs", "url_file", "hook-url"],
        ["opsgenie_configs", "api_key_file", "genie-api_key"],
    ];
    for (const [key, field, file] of expected) {
        const [n] = notifiers(all, key);
        assert.ok(n, `${key} missing`);
        assert.equal(n[field], `/etc/alertmanager/current/secrets/${file}`);
        assert.equal(n.send_resolved, true, `${key} does not send resolved notifications`);
    }
    assert.equal(notifiers(all, "telegram_configs")[0].chat_id, -1001234567890);
    assert.equal(notifiers(all, "telegram_configs")[0].api_url, "http://127.0.0.1:8081");
    assert.equal(notifiers(all, "slack_configs")[0].channel, "#alerts");
    assert.equal(notifiers(all, "pagerduty_configs")[0].url, "https://events.pagerduty.com/v2/enqueue");
    assert.equal(notifiers(all, "opsgenie_configs")[0].api_url, "https://api.eu.opsgenie.com/");
    assert.deepEqual(notifiers(all, "email_configs")[0], {
        auth_password_file: "/etc/alertmanager/current/secrets/mail-auth_password", to: "ops@example.com", from: "am@example.com",
        smarthost: "smtp.example.com:587", auth_username: "am", require_tls: true, send_resolved: true,
    });
});

test("the root route reaches every receiver and groups by alertname, job and instance", () => {
    const config = rendered(monitoring({ receivers: allReceivers, groupWait: "10s", groupInterval: "2m", repeatInterval: "12h" }));
    assert.equal(config.route.receiver, "default");
    assert.deepEqual(config.route.group_by, ["alertname", "job", "instance"]);
    assert.equal(config.route.group_wait, "10s");
    assert.equal(config.route.group_interval, "2m");
    assert.equal(config.route.repeat_interval, "12h");
    assert.deepEqual(members(receiver(config, "default")), ["chat", "discord", "genie", "hook", "mail", "oncall", "slack"]);
});

test("each severity goes only to the receivers subscribed to it", () => {
    const config = rendered(monitoring({ receivers: allReceivers }));
    for (const [severity, subscribed] of [["critical", ["chat", "oncall"]], ["warning", ["chat"]], ["info", ["discord", "genie", "hook", "mail", "slack"]]] as const) {
        const route = routeFor(config, `severity="${severity}"`);
        assert.deepEqual(members(receiver(config, route.receiver)), subscribed, severity);
    }
});

test("a severity nobody subscribed to reaches nobody, not the catch-all", () => {
    const config = rendered(monitoring({ receivers: [allReceivers[1]] }));
    const info = routeFor(config, 'severity="info"');
    assert.ok(isEmptyReceiver(receiver(config, info.receiver)), `info alerts reach ${info.receiver}`);
    assert.equal(config.receivers.some((r) => r.name === "info"), false);
});

test("without receivers there is still an empty default receiver", () => {
    const config = rendered(monitoring());
    assert.equal(config.route.receiver, "default");
    assert.ok(isEmptyReceiver(receiver(config, "default")));
});

test("Watchdog goes to the dead man's switch, never to a human receiver", () => {
    const files = renderAlertmanager(monitoring({ receivers: allReceivers, deadMansSwitchUrl: secrets.deadMansSwitch }));
    const config = load(mainFile(files).content) as AlertmanagerYaml;
    const first = (config.route.routes ?? [])[0];
    assert.deepEqual(first.matchers, ['alertname="Watchdog"']);
    assert.equal(first.receiver, "deadmansswitch");
    assert.equal(first.group_wait, "0s");
    assert.equal(first.group_interval, "1m");
    assert.equal(first.repeat_interval, "1m");
    const dms = receiver(config, "deadmansswitch");
    assert.deepEqual(notifiers(dms, "webhook_configs"), [{ url_file: "/etc/alertmanager/current/secrets/deadmansswitch-url", send_resolved: false }]);
    assert.deepEqual(Object.keys(dms).sort(), ["name", "webhook_configs"]);
    const file = files.find((f) => f.path === "alertmanager/secrets/deadmansswitch-url");
    assert.equal(file?.content, secrets.deadMansSwitch);
});

test("without a dead man's switch, Watchdog is dropped", () => {
    const config = rendered(monitoring({ receivers: allReceivers }));
    const first = (config.route.routes ?? [])[0];
    assert.deepEqual(first.matchers, ['alertname="Watchdog"']);
    assert.ok(isEmptyReceiver(receiver(config, first.receiver)), `Watchdog reaches ${first.receiver}`);
});

test("a receiver may not take the dead man's switch's secret file", () => {
    const clash = { name: "deadmansswitch", type: "webhook", url: "https://example.com/other" };
    assert.throws(() => renderAlertmanager(monitoring({ receivers: [clash], deadMansSwitchUrl: secrets.deadMansSwitch })), /deadmansswitch is reserved/);
});

test("critical inhibits warning and info, warning inhibits info, for the same alert and instance", () => {
    const { inhibit_rules } = rendered(monitoring());
    assert.deepEqual(inhibit_rules, [
        { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: ["alertname", "instance"] },
        { source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal: ["alertname", "instance"] },
    ]);
});

test("the command disables the cluster listener", () => {
    const cmd = alertmanagerCommand(monitoring());
    assert.ok(cmd.includes("--cluster.listen-address="));
    assert.ok(cmd.includes("--config.file=/etc/alertmanager/current/alertmanager.yml"));
    assert.ok(cmd.includes("--storage.path=/alertmanager"));
    assert.ok(cmd.includes("--web.listen-address=:9093"));
});

test("forDebianAlertmanager inlines exactly the three fields 0.25 rejects", () => {
    const files = renderAlertmanager(monitoring({ receivers: allReceivers, deadMansSwitchUrl: secrets.deadMansSwitch }));
    const debian = forDebianAlertmanager(mainFile(files).content, alertmanagerSecrets(files));
    const hasField = (field: string) => new RegExp(`\\s${field}:`).test(debian);
    for (const field of ["bot_token_file", "webhook_url_file", "url_file"]) assert.equal(hasField(field), false, field);
    for (const field of ["api_url_file", "routing_key_file", "auth_password_file"]) assert.ok(hasField(field), field);
    const config = load(debian) as AlertmanagerYaml;
    assert.equal(notifiers(receiver(config, "default"), "telegram_configs")[0].bot_token, secrets.telegram);
    assert.equal(notifiers(receiver(config, "default"), "discord_configs")[0].webhook_url, secrets.discord);
    assert.equal(notifiers(receiver(config, "default"), "webhook_configs")[0].url, secrets.webhook);
    assert.equal(notifiers(receiver(config, "deadmansswitch"), "webhook_configs")[0].url, secrets.deadMansSwitch);
});

test("forDebianAlertmanager refuses a reference without a secret", () => {
    const files = renderAlertmanager(monitoring({ receivers: allReceivers }));
    assert.throws(() => forDebianAlertmanager(mainFile(files).content, new Map()), /no secret file content/);
});

test("only files below alertmanager/ have a path inside the Alertmanager container", () => {
    assert.equal(alertmanagerContainerPath("alertmanager/secrets/x-token"), "/etc/alertmanager/current/secrets/x-token");
    assert.throws(() => alertmanagerContainerPath("prometheus/secrets/x"), /^Error: prometheus\/secrets\/x is not an Alertmanager file$/);
});

test("an email receiver without SMTP auth gets no auth fields and no secret file", () => {
    const files = renderAlertmanager(monitoring({ receivers: [{ name: "mail", type: "email", to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", severities: ["info"] }] }));
    const mail = notifiers(receiver(load(mainFile(files).content) as AlertmanagerYaml, "default"), "email_configs");
    assert.equal(mail.length, 1);
    assert.ok(!("auth_username" in mail[0]) && !("auth_password_file" in mail[0]), JSON.stringify(mail[0]));
    assert.deepEqual(files.filter((f) => f.secret || typeof f.path !== "string"), [], "only alertmanager.yml and its templates, no secret file");
});

test("each drill alert is its own group (group_by ...), sent at once", () => {
    const config = rendered(monitoring({ receivers: [allReceivers[5]] }));
    const drill = (config.route.routes ?? []).filter((r) => r.receiver.startsWith("drill"));
    assert.equal(drill.length, 1, JSON.stringify(config.route.routes));
    assert.deepEqual(drill[0].group_by, ["..."]);
});

test("without any receiver every alert goes to the blackhole receiver, which exists", () => {
    const config = rendered(monitoring());
    assert.ok((config.route.routes ?? []).every((r) => r.receiver === "blackhole"));
    assert.deepEqual(receiver(config, "blackhole"), { name: "blackhole" });
});
