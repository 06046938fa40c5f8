// The receiver registry's parts no other unit test reaches (model/receivers.ts): how the rehearsal
// points each receiver type at its stand-ins (and with which stand-in credentials), how the HTTP
// fake answers each type the way the real service's API does (Alertmanager's notifiers read these
// answers), and the checks of the fields that take a form (Opsgenie's API URL, the SMTP smarthost).
// Found missing by mutation testing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStackConfig, undecryptedSecret } from "../../config/parse";
import { receiverSpecs, specOf, type FakeEndpoints, type Receiver } from "../../model/receivers";
import { refusalProblems } from "../configProblems";

const fakeUrl = "http://127.0.0.1:41234";
/** What the harness passes (rehearsal/harness.ts): a stand-in named after the credential when it is a placeholder. */
const fake = (v: string | undefined, what: string) => (v === undefined || v === undecryptedSecret ? `rehearsal-fake-${what}` : v);
const at: FakeEndpoints = { url: fakeUrl, smarthost: "127.0.0.1:2525", fake };

function pointed(r: Receiver, endpoints: FakeEndpoints = at): Receiver {
    return specOf(r).rehearsal.pointAtFakes(r, endpoints);
}

/** The path of the URL a pointed receiver sends to, checked to be the fake's and to reach its own type's answer. */
function fakePath(r: Receiver, url: string | undefined, suffix = ""): string {
    assert.ok(url !== undefined && url.startsWith(`${fakeUrl}/`), `${r.name}: ${url}`);
    const path = url.slice(fakeUrl.length) + suffix;
    assert.ok(specOf(r).rehearsal.http?.path.test(path), `${r.name}: the fake serves no ${r.type} answer at ${path}`);
    return path;
}

const severities = ["critical"] as const;

test("rehearsal: a Telegram receiver gets the fake's API URL and a token of the form telebot accepts", () => {
    const r: Receiver = { name: "chat", type: "telegram", severities, chatId: -100123, botToken: "123:abc def/x", apiUrl: "https://api.telegram.org" };
    assert.deepEqual(pointed(r), { ...r, botToken: "123:abc_def_x", apiUrl: fakeUrl });
    // An undecrypted token becomes a stand-in named after it.
    assert.deepEqual(pointed({ ...r, botToken: undecryptedSecret }), { ...r, botToken: "rehearsal-fake-token", apiUrl: fakeUrl });
});

test("rehearsal: Discord, Slack and webhook receivers post to the fake under their own name", () => {
    const discord: Receiver = { name: "disc", type: "discord", severities, webhookUrl: "https://discord.com/api/webhooks/1/x" };
    const slack: Receiver = { name: "team", type: "slack", severities, webhookUrl: "https://hooks.slack.com/services/x", channel: "#ops" };
    const webhook: Receiver = { name: "hook", type: "webhook", severities, url: "https://hooks.example.com/x" };
    const [d, s, w] = [pointed(discord), pointed(slack), pointed(webhook)];
    assert.deepEqual(d, { ...discord, webhookUrl: `${fakeUrl}/discord/disc` });
    assert.deepEqual(s, { ...slack, webhookUrl: `${fakeUrl}/slack/team` });
    assert.deepEqual(w, { ...webhook, url: `${fakeUrl}/webhook/hook` });
    assert.equal(d.type === "discord" && fakePath(d, d.webhookUrl), "/discord/disc");
    assert.equal(s.type === "slack" && fakePath(s, s.webhookUrl), "/slack/team");
    assert.equal(w.type === "webhook" && fakePath(w, w.url), "/webhook/hook");
});

test("rehearsal: PagerDuty and Opsgenie receivers get the fake's URL and their configured key, or a named stand-in", () => {
    const pd: Receiver = { name: "oncall", type: "pagerduty", severities, routingKey: "rk", url: "https://events.pagerduty.com/v2/enqueue" };
    const og: Receiver = { name: "genie", type: "opsgenie", severities, apiKey: "ak", apiUrl: "https://api.eu.opsgenie.com/" };
    const [p, o] = [pointed(pd), pointed(og)];
    assert.deepEqual(p, { ...pd, url: `${fakeUrl}/v2/enqueue` });
    assert.deepEqual(o, { ...og, apiUrl: `${fakeUrl}/opsgenie/` });
    assert.equal(p.type === "pagerduty" && fakePath(p, p.url), "/v2/enqueue");
    // Alertmanager appends v2/alerts to Opsgenie's API URL.
    assert.equal(o.type === "opsgenie" && fakePath(o, o.apiUrl, "v2/alerts"), "/opsgenie/v2/alerts");
    assert.deepEqual(pointed({ ...pd, routingKey: undecryptedSecret }), { ...pd, routingKey: "rehearsal-fake-routing-key", url: `${fakeUrl}/v2/enqueue` });
    assert.deepEqual(pointed({ ...og, apiKey: undecryptedSecret }), { ...og, apiKey: "rehearsal-fake-api-key", apiUrl: `${fakeUrl}/opsgenie/` });
});

test("rehearsal: an email receiver sends to the fake SMTP server, with a stand-in password only when it logs in", () => {
    const mail: Receiver = { name: "mail", type: "email", severities, to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", requireTls: true };
    assert.deepEqual(pointed(mail), { ...mail, smarthost: "127.0.0.1:2525", authPassword: undefined });
    const login: Receiver = { ...mail, authUsername: "am", authPassword: undecryptedSecret };
    assert.deepEqual(pointed(login), { ...login, smarthost: "127.0.0.1:2525", authPassword: "rehearsal-fake-smtp-password" });
    assert.deepEqual(pointed({ ...login, authPassword: "pw" }), { ...login, smarthost: "127.0.0.1:2525", authPassword: "pw" });
    assert.throws(() => pointed(mail, { url: fakeUrl, fake }), { message: "receiver mail sends email but no fake SMTP server runs" });
    assert.equal(receiverSpecs.email.rehearsal.http, undefined, "email speaks SMTP, not HTTP");
});

test("the fake answers Telegram like the Bot API: getMe names a bot, sendMessage echoes the chat it was sent to", () => {
    const { answer } = receiverSpecs.telegram.rehearsal.http ?? assert.fail("telegram has an HTTP fake");
    assert.deepEqual(answer("/bot123:x/getMe", {}), { status: 200, body: { ok: true, result: { id: 1, is_bot: true, first_name: "rehearsal", username: "rehearsal_bot" } } });
    const before = Math.floor(Date.now() / 1000);
    const sent = answer("/bot123:x/sendMessage", { chat_id: -100123, text: "[FIRING:1] X" });
    const after = Math.floor(Date.now() / 1000);
    const body = sent.body as { ok: boolean; result: { date: number } };
    assert.ok(body.result.date >= before && body.result.date <= after, `date ${body.result.date} is not the current Unix time in seconds`);
    assert.deepEqual(sent, { status: 200, body: { ok: true, result: { message_id: 1, date: body.result.date, chat: { id: -100123, type: "group", title: "rehearsal" }, text: "" } } });
    const chatOf = (json: unknown) => (answer("/bot123:x/sendMessage", json).body as { result: { chat: { id: number } } }).result.chat.id;
    // telebot may post form-encoded values: the chat id arrives as text.
    assert.equal(chatOf({ chat_id: "-100456" }), -100456);
    // A body without a chat id (or no JSON object at all) answers chat 0.
    for (const json of [{}, null, undefined, "chat_id", 5]) assert.equal(chatOf(json), 0, JSON.stringify(json));
});

test("the fake answers the other HTTP receivers with the status and body their real APIs send", () => {
    const answerOf = (type: "discord" | "slack" | "pagerduty" | "webhook" | "opsgenie") =>
        (receiverSpecs[type].rehearsal.http ?? assert.fail(`${type} has an HTTP fake`)).answer("/", {});
    assert.deepEqual(answerOf("discord"), { status: 204 });
    assert.deepEqual(answerOf("slack"), { status: 200, body: "ok" });
    assert.deepEqual(answerOf("pagerduty"), { status: 202, body: { status: "success", message: "Event processed", dedup_key: "rehearsal" } });
    assert.deepEqual(answerOf("webhook"), { status: 200, body: { ok: true } });
    assert.deepEqual(answerOf("opsgenie"), { status: 202, body: { result: "Request will be processed", took: 0.01, requestId: "rehearsal" } });
});

function receiverProblems(item: Record<string, unknown>): readonly string[] {
    return refusalProblems(() => parseStackConfig("test", { hetznerSshKeyName: "deploy", receivers: [item] }), JSON.stringify(item));
}

function acceptedReceiver(item: Record<string, unknown>): Receiver {
    return parseStackConfig("test", { hetznerSshKeyName: "deploy", receivers: [item] }).monitoring.receivers[0];
}

test("an Opsgenie API URL must be a whole http(s) URL ending in /", () => {
    const opsgenie = { name: "genie", type: "opsgenie", apiKey: "k" };
    for (const apiUrl of ["http://127.0.0.1:8080/", "https://api.eu.opsgenie.com/", "https://proxy.example.com/ab/"]) {
        assert.deepEqual(acceptedReceiver({ ...opsgenie, apiUrl }), { name: "genie", severities: ["critical", "warning"], type: "opsgenie", apiKey: "k", apiUrl });
    }
    for (const apiUrl of ["see https://api.eu.opsgenie.com/", "https://api.eu.opsgenie.com/v2", "ftp://api.eu.opsgenie.com/"]) {
        assert.deepEqual(receiverProblems({ ...opsgenie, apiUrl }),
            [`receivers[0].apiUrl: "${apiUrl}" is not an http(s) URL ending in /; write it like https://api.eu.opsgenie.com/`]);
    }
});

test("an email receiver's smarthost must be host:port; an empty one is refused here, not by amtool at deploy", () => {
    const mail = { name: "mail", type: "email", to: "ops@example.com", from: "am@example.com" };
    assert.equal((acceptedReceiver({ ...mail, smarthost: "smtp.example.com:587" }) as { smarthost: string }).smarthost, "smtp.example.com:587");
    // Alertmanager reads an empty smarthost as "use the global one", which this stack never sets:
    // amtool refuses the whole file with "no global SMTP smarthost set".
    assert.deepEqual(receiverProblems({ ...mail, smarthost: "" }), ["receivers[0].smarthost: required; set it with `pulumi config set receivers[0].smarthost <value>`"]);
});

test("an email receiver's to and from must be addresses; empty or bare names are refused here, not by amtool at deploy", () => {
    const mail = { name: "mail", type: "email", smarthost: "smtp.example.com:587" };
    for (const to of ["ops@example.com", "ops@example.com, dev@example.com", "Ops <ops@example.com>"]) {
        assert.equal((acceptedReceiver({ ...mail, to, from: "am@example.com" }) as { to: string }).to, to);
    }
    assert.deepEqual(receiverProblems({ ...mail, to: "", from: "am@example.com" }), ["receivers[0].to: required; set it with `pulumi config set receivers[0].to <value>`"]);
    assert.deepEqual(receiverProblems({ ...mail, to: "ops", from: "" }), [
        'receivers[0].to: "ops" is not an email address, e.g. oncall@example.com (several: comma-separated)',
        "receivers[0].from: required; set it with `pulumi config set receivers[0].from <value>`",
    ]);
    // Each address whole: nothing before or after it, a display name only before <address>.
    for (const to of ["team ops@example.com", "ops@example.com extra", "Ops> <ops@example.com>", "Ops <ops@example.com> extra"]) {
        assert.deepEqual(receiverProblems({ ...mail, to, from: "am@example.com" }),
            [`receivers[0].to: "${to}" is not an email address, e.g. oncall@example.com (several: comma-separated)`], to);
    }
    assert.deepEqual(receiverProblems({ ...mail, to: "ops@example.com,", from: "am@" }), [
        'receivers[0].to: "ops@example.com," is not an email address, e.g. oncall@example.com (several: comma-separated)',
        'receivers[0].from: "am@" is not an email address, e.g. alertmanager@example.com',
    ]);
});
