// What the rehearsal shows of each page: the text a person reads in each receiver, from the
// request the fake received (bodies in the shapes Alertmanager sends).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RecordedRequest } from "../../rehearsal/fakes";
import { formatPage, pageOfMail, pageOfRequest } from "../../rehearsal/pages";
import type { SmtpMessage } from "../../rehearsal/smtp";

const request = (path: string, json: unknown, status = 200): RecordedRequest => ({ method: "POST", path, body: JSON.stringify(json), json, at: 0, status });

test("each receiver type's page reads as its service shows it", () => {
    const cases: [RecordedRequest, string, string][] = [
        [request("/bot123:abc/sendMessage", { chat_id: 1, text: "\n\nAlerts Firing:\n - alertname = RedisDown\n\n" }), "Telegram", "Alerts Firing:\n - alertname = RedisDown"],
        [request("/slack/hook", { attachments: [{ title: "[FIRING:1] RedisDown", text: "Redis main is down" }] }), "Slack", "[FIRING:1] RedisDown\nRedis main is down"],
        [request("/discord/hook", { embeds: [{ title: "[FIRING:1] RedisDown", description: "Alerts Firing:" }] }), "Discord", "[FIRING:1] RedisDown\nAlerts Firing:"],
        [request("/v2/enqueue", { event_action: "trigger", payload: { severity: "critical", summary: "[FIRING:1] RedisDown" } }, 202), "PagerDuty", "trigger critical: [FIRING:1] RedisDown"],
        [request("/opsgenie/v2/alerts", { message: "[FIRING:1] RedisDown", description: "Redis main is down" }, 202), "Opsgenie", "[FIRING:1] RedisDown\nRedis main is down"],
        [request("/webhook/x", { status: "firing", alerts: [{ status: "firing", labels: { alertname: "RedisDown" }, annotations: { summary: "Redis main is down" } }] }), "webhook", "firing (1 alert)\nfiring RedisDown: Redis main is down"],
    ];
    for (const [r, via, text] of cases) assert.deepEqual(pageOfRequest(r), { at: 0, via, accepted: r.status < 300, text }, r.path);
});

test("a refused page is shown as refused; getMe and dead man's switch pings are no pages", () => {
    const refused = pageOfRequest(request("/bot123:abc/sendMessage", { text: "Alerts Firing:" }, 500));
    assert.equal(refused?.accepted, false);
    assert.match(formatPage(refused ?? { at: 0, via: "", accepted: true, text: "" }), /page via Telegram \(the receiver refused it\)\n {3}Alerts Firing:$/);
    assert.equal(pageOfRequest(request("/bot123:abc/getMe", {})), undefined);
    assert.equal(pageOfRequest(request("/deadmansswitch", {})), undefined);
});

test("an email page is its subject and its body without markup", () => {
    const mail: SmtpMessage = {
        from: "am@example.com", to: ["ops@example.com"], tls: true, at: 5, headers: { subject: "[FIRING:1] RedisDown" },
        data: "Subject: [FIRING:1] RedisDown\r\nContent-Type: text/html\r\n\r\n<html><head><style>p{}</style></head><body><p>Alerts Firing</p>\n<p>summary =3D Redis main is&nbsp;down</p></body></html>",
    };
    assert.deepEqual(pageOfMail(mail), { at: 5, via: "email to ops@example.com", accepted: true, text: "Subject: [FIRING:1] RedisDown\nAlerts Firing\nsummary = Redis main is down" });
});
