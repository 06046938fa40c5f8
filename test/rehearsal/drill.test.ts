// The fire drill (issue 14, point 4) against a rehearsed prod stack with four receivers, one of
// them (Slack) broken on purpose: `npm run drill` reports it failed with Alertmanager's error and
// the others delivered, exits 1, and each drill message reached only its own receiver; the lost
// notification then raises NotificationsFailing on the receivers still working.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { test } from "node:test";
import { projectDir } from "../../config/stackFiles";
import { drillAlertname } from "../../model/drill";
import { fakeSecrets, type RecordedRequest } from "../../rehearsal/fakes";
import { waitFor, type Rehearsal } from "../../rehearsal/harness";
import { notifyDeadline, rehearsalForFile, telegram, text } from "../rehearsalSupport";

const brokenPath = /^\/slack\//;

const running = rehearsalForFile({
    stack: "prod",
    timeScale: 15,
    log: (line) => console.log(line),
    overrides: {
        receivers: [
            { ...fakeSecrets.telegram, severities: ["critical", "warning"] },
            { ...fakeSecrets.pagerduty, severities: ["critical"] },
            { name: "team-slack", type: "slack", webhookUrl: "https://hooks.slack.invalid/rehearsal", severities: ["critical"] },
            { name: "audit-hook", type: "webhook", url: "https://hooks.invalid/rehearsal", severities: ["critical"] },
        ],
        deadMansSwitchUrl: fakeSecrets.deadMansSwitchUrl,
    },
});

interface Run { readonly code: number | null; readonly stdout: string; readonly stderr: string }

/** `npm run drill -- prod --url … --log-file …`, as a user runs it against a local stack. */
function drill(r: Rehearsal): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(projectDir, "scripts", "drill.ts"), "prod", "--url", r.urls.alertmanager, "--log-file", r.alertmanagerLog],
            { cwd: projectDir, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
        child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
        const timer = setTimeout(() => child.kill(), 240_000);
        child.once("error", reject);
        child.once("exit", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    });
}

const drillMessages = (r: Rehearsal, p: RegExp | string): RecordedRequest[] => r.fakes.requestsTo(p).filter((m) => m.body.includes(drillAlertname));

test("drill: the broken receiver is reported failed with Alertmanager's error, the others delivered, exit 1; NotificationsFailing reaches the working ones", async (t) => {
    const r = running(t);
    if (!r) return;
    r.fakes.breakPaths(brokenPath);
    try {
        const run = await drill(r);
        console.log(run.stdout);
        const lines = run.stdout.split("\n");
        const line = (name: string) => lines.find((l) => l.includes(` ${name} (`)) ?? "";
        assert.equal(run.code, 1, `exit code\n${run.stdout}\n${run.stderr}`);
        assert.match(line("telegram"), /^delivered +telegram \(telegram\)$/);
        assert.match(line("oncall"), /^delivered +oncall \(pagerduty\)$/);
        assert.match(line("audit-hook"), /^delivered +audit-hook \(webhook\)$/);
        // Alertmanager's own words: the receiver, the attempts and the fake's 500.
        assert.match(line("team-slack"), /^FAILED +team-slack \(slack\): drill-team-slack\/slack\[0\]: notify retry canceled .*500/);
        assert.match(run.stdout, /1 of 4 receivers failed/);

        // Each drill message reached its own receiver only, once.
        const telegramDrill = drillMessages(r, /^\/bot[^/]+\/sendMessage$/);
        assert.equal(telegramDrill.length, 1, "one drill message on telegram");
        assert.match(text(telegramDrill[0]), /drill_receiver = telegram/);
        assert.equal(drillMessages(r, "/v2/enqueue").length, 1, "one drill event on pagerduty");
        assert.equal(drillMessages(r, "/webhook/audit-hook").length, 1, "one drill message on the webhook");
        assert.ok(drillMessages(r, brokenPath).length >= 1, "Alertmanager tried the broken one");
        for (const m of [...telegramDrill, ...drillMessages(r, "/v2/enqueue"), ...drillMessages(r, "/webhook/audit-hook")]) {
            assert.doesNotMatch(m.body, /team-slack/, "no other receiver carries the broken one's drill");
        }
        assert.equal(drillMessages(r, "/deadmansswitch").length, 0, "the dead man's switch never gets a drill");

        // The lost notification pages through the receivers still working.
        await waitFor(() => telegram(r, "NotificationsFailing", "Firing").find((m) => text(m).includes("integration = slack")),
            notifyDeadline(r, "0s"), "NotificationsFailing{integration=slack} on telegram");
    } finally {
        r.fakes.breakPaths(undefined);
    }
});
