// The fire drill (`npm run drill`, scripts/drill.ts): a synthetic alert sent through the deployed
// Alertmanager to each receiver in turn, judged by Alertmanager's own notification counters.
// Names shared by the Alertmanager renderer (one drill route and receiver per receiver) and the
// drill, and the pure parts of the drill: reading the counters and the log. No I/O here.
//
// Counters (checked on Debian's Alertmanager 0.25): per integration type only
// (`alertmanager_notifications_total{integration="webhook"}`), no receiver label; a notification
// counts in `_total` when it starts and in `_failed_total` once its retries ran out (after the
// route's group_interval, at least 10 s); `alertmanager_notification_requests_total` and
// `_requests_failed_total` count single attempts, so a success is an attempt that did not fail.
// 0.26+ adds a `reason` label to `_failed_total`; a `receiver_name` label, where a release has
// it, is used to tell two receivers of one type apart. Without it the drill runs the receivers
// one at a time, so the counters of a type move for one receiver only (a real notification of the
// same type at the same moment would be counted too: run the drill when things are quiet).

/** alertname of the drill's alert; routed only to the drill routes, never to people otherwise. */
export const drillAlertname = "ReceiverDrill";
/** Label naming the receiver (`receivers[].name`) a drill alert is for. */
export const drillReceiverLabel = "drill_receiver";
const drillPrefix = "drill-";

/** The Alertmanager receiver that holds only this receiver's notifier, for the drill. */
export function drillReceiverName(receiver: string): string {
    return `${drillPrefix}${receiver}`;
}

/** The `receivers[].name` behind an Alertmanager receiver name, when it is a drill receiver. */
export function drilledReceiver(amReceiver: string): string | undefined {
    return amReceiver.startsWith(drillPrefix) ? amReceiver.slice(drillPrefix.length) : undefined;
}

/**
 * The drill routes' group_interval, which is also how long Alertmanager retries a failing
 * notification before counting it failed (never under its 10 s minimum).
 */
export const drillGroupInterval = "15s";

/** One receiver of the deployed configuration, as the drill tests it. */
export interface DrillReceiver {
    /** `receivers[].name`. */
    readonly name: string;
    /** Alertmanager's integration name (telegram, webhook, email, …): the counters' label. */
    readonly integration: string;
}

/** The drill receivers of an Alertmanager configuration (the parsed YAML of /api/v2/status). */
export function drillReceivers(config: unknown): DrillReceiver[] {
    const receivers = typeof config === "object" && config !== null && "receivers" in config && Array.isArray(config.receivers) ? config.receivers : [];
    return receivers.flatMap((r: unknown): DrillReceiver[] => {
        if (typeof r !== "object" || r === null || !("name" in r)) return [];
        const name = drilledReceiver(String(r.name));
        const key = Object.keys(r).find((k) => k.endsWith("_configs"));
        return name === undefined || key === undefined ? [] : [{ name, integration: key.slice(0, -"_configs".length) }];
    });
}

/** The counters the drill reads, for one receiver. */
export interface NotificationCounters {
    readonly notifications: number;
    readonly failed: number;
    readonly requests: number;
    readonly failedRequests: number;
}

const counterNames: Readonly<Record<keyof NotificationCounters, string>> = {
    notifications: "alertmanager_notifications_total",
    failed: "alertmanager_notifications_failed_total",
    requests: "alertmanager_notification_requests_total",
    failedRequests: "alertmanager_notification_requests_failed_total",
};

function labelsOf(text: string): Map<string, string> {
    return new Map([...text.matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
}

/**
 * The receiver's counters in Alertmanager's /metrics text: the series of its integration, and of
 * its drill receiver where the series carry `receiver_name`; summed over `reason`.
 */
export function notificationCounters(metrics: string, r: DrillReceiver): NotificationCounters {
    const sums = { notifications: 0, failed: 0, requests: 0, failedRequests: 0 };
    for (const line of metrics.split("\n")) {
        const m = /^([a-z_]+)\{([^}]*)\}\s+(\S+)/.exec(line);
        if (!m) continue;
        const key = (Object.keys(counterNames) as (keyof NotificationCounters)[]).find((k) => counterNames[k] === m[1]);
        if (key === undefined) continue;
        const labels = labelsOf(m[2]);
        if (labels.get("integration") !== r.integration) continue;
        const receiverName = labels.get("receiver_name");
        if (receiverName !== undefined && receiverName !== drillReceiverName(r.name)) continue;
        sums[key] += Number(m[3]);
    }
    return sums;
}

export type DrillOutcome =
    | { readonly state: "waiting" }
    | { readonly state: "delivered" }
    | { readonly state: "failed" };

/**
 * What the counters say since `before`: failed once a notification ran out of retries, delivered
 * once a notification started and an attempt succeeded, else still waiting.
 */
export function drillOutcome(before: NotificationCounters, now: NotificationCounters): DrillOutcome {
    if (now.failed > before.failed) return { state: "failed" };
    const succeeded = (now.requests - now.failedRequests) - (before.requests - before.failedRequests);
    if (now.notifications > before.notifications && succeeded > 0) return { state: "delivered" };
    return { state: "waiting" };
}

/**
 * Alertmanager's own words for the drill receiver's last failure, from its log: the `err` of the
 * last "Notify for alerts failed" (or, failing that, "Notify attempt failed") line that names
 * `drill-<name>`; undefined when the log has none.
 */
export function failureFromLog(log: string, receiver: string): string | undefined {
    const amReceiver = drillReceiverName(receiver);
    // "drill-x/webhook[0]: …" in the error, "receiver=drill-x " in the fields; never drill-xy's lines.
    const lines = log.split("\n").filter((l) => l.includes(`${amReceiver}/`) || l.includes(`receiver=${amReceiver} `));
    const pick = (what: string) => lines.filter((l) => l.includes(what)).pop();
    const line = pick("Notify for alerts failed") ?? pick("Notify attempt failed");
    if (line === undefined) return undefined;
    // logfmt (0.25-0.27) err="…" or slog (0.28+) err="…"; either way a quoted value.
    const err = /\berr="((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
    return (err ?? line).replace(/\\"/g, "\"");
}

/** One line of the report. */
export function drillLine(r: DrillReceiver, outcome: DrillOutcome | { readonly state: "timeout" }, error?: string): string {
    const what = `${r.name} (${r.integration})`;
    switch (outcome.state) {
        case "delivered": return `delivered  ${what}`;
        case "failed": return `FAILED     ${what}: ${error ?? "Alertmanager counted a failed notification (its log has the reason)"}`;
        case "timeout": return `FAILED     ${what}: no notification finished in time${error ? `; last error: ${error}` : ""}`;
        case "waiting": return `waiting    ${what}`;
    }
}
