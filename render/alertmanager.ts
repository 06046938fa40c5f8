// alertmanager.yml, its secret files and the Alertmanager container's command line.
// Pure: config in, file text out. Alertmanager does not expand environment variables, so every
// credential goes into its own file (mode 0400) referenced by a *_file field; none is ever inline.
import { containerPaths, containerPorts, containerUids } from "../model/catalog";
import { severities, type MonitoringConfig, type Severity } from "../model/stack";
import { receiverSpecs, specOf, type NotifierFields, type Receiver } from "../model/receivers";
import { hostDirs, renderedHeader, secretsDir, type RenderedFile, yamlText } from "./files";
import { fleetWatched, hostDownInhibition } from "./fleetScrape";
import { drillAlertname, drillGroupInterval, drillReceiverLabel, drillReceiverName } from "../model/drill";

export const alertmanagerConfigFile = `${hostDirs.alertmanager}/alertmanager.yml`;

type ConfigKey = `${string}_configs`;
type Scalar = string | number | boolean;

/** One notifier entry (e.g. a telegram_configs item) and the secret files it references. */
interface Notifier {
    readonly key: ConfigKey;
    readonly config: Readonly<Record<string, Scalar>>;
    readonly secrets: readonly RenderedFile[];
}

interface AmReceiver {
    readonly name: string;
    readonly notifiers: readonly Notifier[];
}

/** Where a file below configRoot/alertmanager appears inside the container. */
export function alertmanagerContainerPath(hostPath: string): string {
    const prefix = `${hostDirs.alertmanager}/`;
    if (!hostPath.startsWith(prefix)) throw new Error(`${hostPath} is not an Alertmanager file`);
    return `${containerPaths.alertmanagerConfigDir}/${hostPath.slice(prefix.length)}`;
}

function secretFile(owner: string, field: string, value: string): RenderedFile {
    return { path: `${hostDirs.alertmanager}/${secretsDir}/${owner}-${field}`, content: value, secret: true, owner: containerUids.alertmanager };
}

function withoutUndefined(fields: Record<string, Scalar | undefined>): Record<string, Scalar> {
    return Object.fromEntries(Object.entries(fields).filter((e): e is [string, Scalar] => e[1] !== undefined));
}

/** A notifier block whose credential is written to a file named after `owner` and the field, referenced by `<field>_file`. */
function notifierWithSecret(key: ConfigKey, secretField: string, owner: string, fields: NotifierFields): Notifier {
    const file = fields.secret === undefined ? undefined : secretFile(owner, secretField, fields.secret);
    const ref = file ? { [`${secretField}_file`]: alertmanagerContainerPath(file.path) } : {};
    return { key, config: withoutUndefined({ ...ref, ...fields.settings }), secrets: file ? [file] : [] };
}

function notifier(r: Receiver): Notifier {
    const am = specOf(r).alertmanager;
    return notifierWithSecret(am.configsKey, am.secretField, r.name, am.notifier(r));
}

/** How often the Watchdog pings the dead man's switch; its service should alarm after a few missed pings. */
export const watchdogRepeatInterval = "1m";

function deadMansSwitch(url: string): Notifier {
    // Resolved notifications would tell the switch service nothing: it alarms on missing pings.
    const webhook = receiverSpecs.webhook.alertmanager;
    return notifierWithSecret(webhook.configsKey, webhook.secretField, "deadmansswitch", { secret: url, settings: { send_resolved: false } });
}

function receiverYaml(r: AmReceiver): Record<string, unknown> {
    const byKey = new Map<ConfigKey, Readonly<Record<string, Scalar>>[]>();
    for (const n of r.notifiers) byKey.set(n.key, [...(byKey.get(n.key) ?? []), n.config]);
    return { name: r.name, ...Object.fromEntries(byKey) };
}

const matcher = (label: string, value: string) => `${label}="${value}"`;

interface Plan {
    readonly receivers: readonly AmReceiver[];
    readonly routes: readonly Record<string, unknown>[];
}

/**
 * Routing: Watchdog first (to the dead man's switch, never to people), the fire drill's routes,
 * then one route per severity to the receivers subscribed to it. A severity nobody subscribed to goes to `blackhole`, so a
 * receiver never gets a severity it did not ask for; alerts without a known severity reach everyone.
 */
function plan(m: MonitoringConfig): Plan {
    const configured = m.receivers.map((r) => ({ receiver: r, notifier: notifier(r) }));
    const receivers: AmReceiver[] = [{ name: "default", notifiers: configured.map((c) => c.notifier) }];
    const routes: Record<string, unknown>[] = [];
    const blackhole = { name: "blackhole", notifiers: [] };

    if (m.deadMansSwitchUrl !== undefined) {
        receivers.push({ name: "deadmansswitch", notifiers: [deadMansSwitch(m.deadMansSwitchUrl)] });
        routes.push({ matchers: [matcher("alertname", "Watchdog")], receiver: "deadmansswitch", group_wait: "0s", group_interval: watchdogRepeatInterval, repeat_interval: watchdogRepeatInterval });
    } else {
        routes.push({ matchers: [matcher("alertname", "Watchdog")], receiver: blackhole.name });
    }
    // The fire drill (scripts/drill.ts): one route per receiver, matched only by the drill's alert
    // naming it, to an Alertmanager receiver holding only its notifier (no resolved message); a
    // drill alert naming no receiver goes nowhere. Real alerts never match these routes.
    for (const c of configured) {
        const name = drillReceiverName(c.receiver.name);
        receivers.push({ name, notifiers: [{ ...c.notifier, config: { ...c.notifier.config, send_resolved: false } }] });
        routes.push({
            matchers: [matcher("alertname", drillAlertname), matcher(drillReceiverLabel, c.receiver.name)], receiver: name,
            // Every drill alert its own group, sent at once; retries end after group_interval.
            group_by: ["..."], group_wait: "0s", group_interval: drillGroupInterval,
        });
    }
    routes.push({ matchers: [matcher("alertname", drillAlertname)], receiver: blackhole.name });
    for (const severity of severities) {
        const subscribed = configured.filter((c) => c.receiver.severities.includes(severity)).map((c) => c.notifier);
        if (subscribed.length > 0) receivers.push({ name: severity, notifiers: subscribed });
        // Critical alerts wait only the paging promise's group_wait (model/paging.ts); the rest are grouped longer.
        const wait = severity === "critical" ? { group_wait: m.paging.groupWait } : {};
        routes.push({ matchers: [matcher("severity", severity)], receiver: subscribed.length > 0 ? severity : blackhole.name, ...wait });
    }
    if (routes.some((r) => r.receiver === blackhole.name)) receivers.push(blackhole);
    return { receivers, routes };
}

function inhibitRule(source: Severity, targets: readonly Severity[]): Record<string, unknown> {
    return {
        source_matchers: [matcher("severity", source)],
        target_matchers: [targets.length === 1 ? matcher("severity", targets[0]) : `severity=~"${targets.join("|")}"`],
        equal: ["alertname", "instance"],
    };
}

/** Every secret file once, refusing two credentials that would share a file name. */
function uniqueSecretFiles(receivers: readonly AmReceiver[]): RenderedFile[] {
    const files = new Map<string, RenderedFile>();
    for (const file of receivers.flatMap((r) => r.notifiers.flatMap((n) => n.secrets))) {
        const existing = files.get(file.path);
        if (existing && existing.content !== file.content) {
            throw new Error(`Two Alertmanager credentials map to ${file.path}; rename the receiver (the name deadmansswitch is reserved)`);
        }
        files.set(file.path, file);
    }
    return [...files.values()];
}

export function renderAlertmanager(m: MonitoringConfig): RenderedFile[] {
    const { receivers, routes } = plan(m);
    const config = {
        route: {
            receiver: "default",
            group_by: ["alertname", "job", "instance"],
            group_wait: m.alertmanager.groupWait,
            group_interval: m.alertmanager.groupInterval,
            repeat_interval: m.alertmanager.repeatInterval,
            routes,
        },
        inhibit_rules: [inhibitRule("critical", ["warning", "info"]), inhibitRule("warning", ["info"]), ...(fleetWatched(m) ? [hostDownInhibition] : [])],
        receivers: receivers.map(receiverYaml),
    };
    const main: RenderedFile = {
        path: alertmanagerConfigFile,
        content: renderedHeader + yamlText(config),
        secret: false,
        owner: containerUids.alertmanager,
    };
    return [main, ...uniqueSecretFiles(receivers)];
}

/** Command-line flags of the Alertmanager container. */
export function alertmanagerCommand(_m: MonitoringConfig): string[] {
    return [
        `--config.file=${alertmanagerContainerPath(alertmanagerConfigFile)}`,
        `--storage.path=${containerPaths.alertmanagerData}`,
        // Empty disables clustering; otherwise a single instance listens for peers on 0.0.0.0:9094.
        "--cluster.listen-address=",
        `--web.listen-address=:${containerPorts.alertmanager}`,
    ];
}
