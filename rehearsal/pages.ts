// A page as its receiver gets it: what the fake receivers recorded, turned back into the text a
// person reads (the Telegram message, the Slack attachment, the Discord embed, the PagerDuty
// summary, the email's subject and body), so a user sees their alert wording before deploying.
import type { FakeReceivers, RecordedRequest } from "./fakes";
import { telegramPath, telegramText } from "./fakes";
import type { FakeSmtp, SmtpMessage } from "./smtp";
import { isRecord } from "../model/typeGuards";

export interface Page {
    readonly at: number;
    /** Telegram, Slack, Discord, PagerDuty, Opsgenie, webhook, email or the dead man's switch. */
    readonly via: string;
    /** The receiver's answer: a page it refused (a broken token) is shown too. */
    readonly accepted: boolean;
    readonly text: string;
}

function field(v: unknown, ...path: (string | number)[]): string {
    let at: unknown = v;
    for (const p of path) at = isRecord(at) || Array.isArray(at) ? (at as Record<string | number, unknown>)[p] : undefined;
    return typeof at === "string" ? at : "";
}

const lines = (...parts: string[]): string => parts.filter((p) => p.trim() !== "").join("\n");

/** The page in a recorded HTTP request, or undefined for requests that are not pages (getMe, pings). */
export function pageOfRequest(r: RecordedRequest): Page | undefined {
    const accepted = r.status < 300;
    const page = (via: string, text: string): Page => ({ at: r.at, via, accepted, text: text.trim() });
    const j = r.json;
    if (telegramPath.test(r.path)) return page("Telegram", telegramText(r));
    if (r.path.startsWith("/slack/")) return page("Slack", lines(field(j, "attachments", 0, "title"), field(j, "attachments", 0, "text"), field(j, "text")));
    if (r.path.startsWith("/discord/")) return page("Discord", lines(field(j, "content"), field(j, "embeds", 0, "title"), field(j, "embeds", 0, "description")));
    if (r.path === "/v2/enqueue") return page("PagerDuty", `${field(j, "event_action")} ${field(j, "payload", "severity")}: ${field(j, "payload", "summary")}`);
    if (r.path.startsWith("/opsgenie/")) return page("Opsgenie", lines(field(j, "message"), field(j, "description")));
    if (r.path === "/deadmansswitch") return undefined;
    if (r.path.startsWith("/webhook/") && isRecord(j) && Array.isArray(j.alerts)) {
        const alerts = j.alerts.map((a) => `${field(a, "status")} ${field(a, "labels", "alertname")}: ${field(a, "annotations", "summary")}`);
        return page("webhook", lines(`${field(j, "status")} (${alerts.length} alert${alerts.length === 1 ? "" : "s"})`, ...alerts));
    }
    return undefined;
}

/** An email as read: its subject, then the body without markup (Alertmanager sends HTML). */
export function pageOfMail(m: SmtpMessage): Page {
    const body = m.data.split(/\r?\n\r?\n/).slice(1).join("\n")
        .replace(/=\r?\n/g, "").replace(/=3D/g, "=")
        .replace(/<(style|head)[\s\S]*?<\/\1>/gi, "").replace(/<[^>]+>/g, " ")
        .replace(/&nbsp;/g, " ").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#34;|&quot;/g, "\"").replace(/&#39;/g, "'")
        .split("\n").map((l) => l.replace(/\s+/g, " ").trim()).filter((l) => l !== "").join("\n");
    return { at: m.at, via: `email to ${m.to.join(", ")}`, accepted: true, text: lines(`Subject: ${m.headers.subject ?? ""}`, body) };
}

/** Every page delivered (or refused) so far, oldest first. */
export function pagesSoFar(fakes: FakeReceivers, smtp: FakeSmtp | undefined): Page[] {
    const http = fakes.requests.flatMap((r) => pageOfRequest(r) ?? []);
    const mail = (smtp?.messages ?? []).map(pageOfMail);
    return [...http, ...mail].sort((a, b) => a.at - b.at);
}

/** A page as the CLI prints it: a header line, then the text indented. */
export function formatPage(p: Page): string {
    const header = `── ${new Date(p.at).toISOString()} page via ${p.via}${p.accepted ? "" : " (the receiver refused it)"}`;
    return [header, ...p.text.split("\n").map((l) => `   ${l}`)].join("\n");
}
