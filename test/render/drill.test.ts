// The fire drill's pure parts (model/drill.ts): which receivers the deployed configuration has,
// what Alertmanager's counters say (0.25's integration-only labels, and `reason`/`receiver_name`
// where newer releases have them), and the error taken from its log.
import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { drillLine, drillOutcome, drillReceivers, failureFromLog, notificationCounters } from "../../model/drill";
import { renderAlertmanager } from "../../render/alertmanager";

const receivers = [
    { name: "chat", type: "telegram", chatId: -100123, botToken: "123:fake", severities: ["critical", "warning"] },
    { name: "hook", type: "webhook", url: "https://hooks.example.com/fake", severities: ["critical"] },
    { name: "hook2", type: "webhook", url: "https://hooks.example.com/other", severities: ["warning"] },
];

test("the drill finds every configured receiver, and only those, in the rendered Alertmanager configuration", () => {
    const m = parseStackConfig("test", { hetznerSshKeyName: "deploy", receivers, deadMansSwitchUrl: "https://hc-ping.com/x" }).monitoring;
    const config = load(renderAlertmanager(m)[0].content);
    assert.deepEqual(drillReceivers(config), [
        { name: "chat", integration: "telegram" }, { name: "hook", integration: "webhook" }, { name: "hook2", integration: "webhook" },
    ]);
    // The drill receivers send no resolved message: the drill resolves its alert at once.
    const doc = config as { receivers: { name: string; telegram_configs?: { send_resolved: boolean }[] }[] };
    assert.equal(doc.receivers.find((r) => r.name === "drill-chat")?.telegram_configs?.[0].send_resolved, false);
    assert.equal(doc.receivers.find((r) => r.name === "critical")?.telegram_configs?.[0].send_resolved, true);
});

// Alertmanager 0.25's /metrics, as read from Debian's binary: only `integration`.
const metrics025 = (n: number, failed: number, requests: number, failedRequests: number) => `
# HELP alertmanager_notifications_total The total number of attempted notifications.
alertmanager_notifications_total{integration="telegram"} 7
alertmanager_notifications_total{integration="webhook"} ${n}
alertmanager_notifications_failed_total{integration="webhook"} ${failed}
alertmanager_notification_requests_total{integration="webhook"} ${requests}
alertmanager_notification_requests_failed_total{integration="webhook"} ${failedRequests}
alertmanager_notification_latency_seconds_bucket{integration="webhook",le="1"} 3
`;

test("delivered once a notification started and an attempt succeeded; failed once one ran out of retries; else waiting", () => {
    const hook = { name: "hook", integration: "webhook" };
    const before = notificationCounters(metrics025(2, 1, 10, 9), hook);
    assert.deepEqual(before, { notifications: 2, failed: 1, requests: 10, failedRequests: 9 });
    assert.equal(drillOutcome(before, notificationCounters(metrics025(2, 1, 10, 9), hook)).state, "waiting");
    // Started, first attempt failed, retrying: still waiting.
    assert.equal(drillOutcome(before, notificationCounters(metrics025(3, 1, 11, 10), hook)).state, "waiting");
    assert.equal(drillOutcome(before, notificationCounters(metrics025(3, 1, 12, 10), hook)).state, "delivered");
    assert.equal(drillOutcome(before, notificationCounters(metrics025(3, 2, 16, 15), hook)).state, "failed");
});

test("newer counters: failures summed over reason, and receiver_name tells two receivers of one type apart", () => {
    const text = [
        'alertmanager_notifications_total{integration="webhook",receiver_name="drill-hook"} 1',
        'alertmanager_notifications_total{integration="webhook",receiver_name="drill-hook2"} 5',
        'alertmanager_notifications_failed_total{integration="webhook",reason="clientError",receiver_name="drill-hook"} 1',
        'alertmanager_notifications_failed_total{integration="webhook",reason="serverError",receiver_name="drill-hook"} 2',
        'alertmanager_notifications_failed_total{integration="webhook",reason="other",receiver_name="drill-hook2"} 4',
    ].join("\n");
    assert.deepEqual(notificationCounters(text, { name: "hook", integration: "webhook" }), { notifications: 1, failed: 3, requests: 0, failedRequests: 0 });
});

test("the error is Alertmanager's own, for this receiver only (0.25 logfmt and 0.28 slog lines)", () => {
    const log = [
        'ts=2026-11-29T03:56:44.136Z caller=notify.go:732 level=warn component=dispatcher receiver=drill-hook integration=webhook[0] msg="Notify attempt failed, will retry later" attempts=1 err="unexpected status code 500"',
        'ts=2026-11-29T03:56:54.139Z caller=dispatch.go:352 level=error component=dispatcher msg="Notify for alerts failed" num_alerts=1 err="drill-hook2/webhook[0]: notify retry canceled after 2 attempts: other"',
        'ts=2026-11-29T03:56:54.139Z caller=dispatch.go:352 level=error component=dispatcher msg="Notify for alerts failed" num_alerts=1 err="drill-hook/webhook[0]: notify retry canceled after 7 attempts: Post \\"http://127.0.0.1:1/x\\": connection refused"',
    ].join("\n");
    assert.equal(failureFromLog(log, "hook"), 'drill-hook/webhook[0]: notify retry canceled after 7 attempts: Post "http://127.0.0.1:1/x": connection refused');
    assert.equal(failureFromLog(log.split("\n")[0], "hook"), "unexpected status code 500");
    assert.equal(failureFromLog(log, "chat"), undefined);
    const slog = 'time=2026-11-29T03:56:54.139Z level=ERROR source=dispatch.go:360 msg="Notify for alerts failed" component=dispatcher num_alerts=1 err="drill-chat/telegram[0]: notify retry canceled due to unrecoverable error after 1 attempts: telegram: Unauthorized (401)"';
    assert.match(failureFromLog(slog, "chat") ?? "", /Unauthorized \(401\)$/);
    assert.equal(drillLine({ name: "chat", integration: "telegram" }, { state: "failed" }, "x"), "FAILED     chat (telegram): x");
    assert.equal(drillLine({ name: "chat", integration: "telegram" }, { state: "delivered" }), "delivered  chat (telegram)");
});

test("the drill reads only drill receivers that have a notifier; anything else in the status config is skipped", () => {
    for (const config of [null, undefined, "receivers", 5, {}, { receivers: "drill-x" }, { receivers: null }]) {
        assert.deepEqual(drillReceivers(config), [], JSON.stringify(config));
    }
    const config = {
        receivers: [
            null, "drill-x", 7, { webhook_configs: [{}] },
            // A receiver without a notifier (blackhole) and a drill name without one: nothing to drill.
            { name: "blackhole" }, { name: "drill-empty" },
            { name: "critical", webhook_configs: [{}] },
            { name: "drill-hook", webhook_configs: [{}] },
            { name: "drill-mail", send_resolved: false, email_configs: [{}] },
        ],
    };
    assert.deepEqual(drillReceivers(config), [{ name: "hook", integration: "webhook" }, { name: "mail", integration: "email" }]);
});

test("counters: only the exact series names count, whatever blanks separate the value", () => {
    const text = [
        'alertmanager_notifications_total{integration="webhook"}  2',
        'alertmanager_notification_requests_total{integration="webhook"}\t 3',
        // A recording rule's series that merely contains the counter's name is not the counter.
        'instance:alertmanager_notifications_total{integration="webhook"} 100',
        '# TYPE alertmanager_notifications_total counter',
    ].join("\n");
    assert.deepEqual(notificationCounters(text, { name: "hook", integration: "webhook" }), { notifications: 2, failed: 0, requests: 3, failedRequests: 0 });
});

test("a successful attempt without a new notification is not a delivery: it may be an older notification's retry", () => {
    const before = { notifications: 3, failed: 0, requests: 5, failedRequests: 1 };
    assert.equal(drillOutcome(before, { ...before, requests: 6 }).state, "waiting");
    assert.equal(drillOutcome(before, { ...before, notifications: 4, requests: 6 }).state, "delivered");
});

test("the error from the log: the final failure wins over a later retry's, the last retry's when none is final, the whole line when err is unquoted", () => {
    const final = 'ts=1 level=error component=dispatcher msg="Notify for alerts failed" num_alerts=1 err="drill-hook/webhook[0]: notify retry canceled after 3 attempts: unexpected status code 500"';
    const attempt = (err: string) => `ts=2 level=warn component=dispatcher receiver=drill-hook integration=webhook[0] msg="Notify attempt failed, will retry later" attempts=1 err="${err}"`;
    const success = 'ts=3 level=debug component=dispatcher receiver=drill-hook integration=webhook[0] msg="Notify success" attempts=2';
    assert.equal(failureFromLog([final, attempt("later retry"), success].join("\n"), "hook"), "drill-hook/webhook[0]: notify retry canceled after 3 attempts: unexpected status code 500");
    assert.equal(failureFromLog([attempt("first"), attempt("second"), success].join("\n"), "hook"), "second");
    const unquoted = 'ts=4 level=error component=dispatcher msg="Notify for alerts failed" num_alerts=1 err=drill-hook/webhook[0]:EOF';
    assert.equal(failureFromLog(unquoted, "hook"), unquoted);
});

test("report lines: a failure without Alertmanager's words points at its log; a timeout adds the last error when there is one", () => {
    const chat = { name: "chat", integration: "telegram" };
    assert.equal(drillLine(chat, { state: "failed" }), "FAILED     chat (telegram): Alertmanager counted a failed notification (its log has the reason)");
    assert.equal(drillLine(chat, { state: "timeout" }), "FAILED     chat (telegram): no notification finished in time");
    assert.equal(drillLine(chat, { state: "timeout" }, "connection refused"), "FAILED     chat (telegram): no notification finished in time; last error: connection refused");
    assert.equal(drillLine(chat, { state: "waiting" }), "waiting    chat (telegram)");
});
