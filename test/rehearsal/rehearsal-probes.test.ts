// Probe rehearsal: the prod stack with four probes, run by Debian's prometheus-blackbox-exporter
// against loopback stand-ins the harness makes (rehearsal/probes.ts; nothing beyond 127.0.0.1 is
// probed): a healthy HTTPS endpoint, one answering 500, a closed port, and an HTTPS endpoint whose
// certificate (made with openssl by a rehearsal CA) expires in two days. Each broken one pages
// the fake receivers with its alert and severity within the configured bound; the healthy one never does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { prodReceiverOverrides } from "../../rehearsal/fakes";
import { httpGet, waitFor, type Rehearsal } from "../../rehearsal/harness";
import { blackboxConfigFile } from "../../render/probes";
import { notifyDeadline, pagerduty, pagingDeadline, rehearsalForFile, telegram, telegramPath, text } from "../rehearsalSupport";

// Slower than the other rehearsals (15x): the exporter's probe timeout is the scaled scrape
// timeout minus 0.5 s, and a TLS handshake on a loaded CI machine needs more than the 0.17 s that 15x leaves.
const timeScale = 6;

/** The stack's probes as a user writes them; the harness aims each at its loopback stand-in. */
const probes = [
    { name: "healthy", kind: "http", url: "https://shop.example.com/health" },
    { name: "broken", kind: "http", url: "https://api.example.com/status", validStatusCodes: [200, 204] },
    { name: "closed", kind: "tcp", target: "db.example.com:5432" },
    { name: "expiring", kind: "http", url: "https://old.example.com/" },
];

const running = rehearsalForFile({
    stack: "prod",
    timeScale,
    log: (line) => console.log(line),
    overrides: {
        ...prodReceiverOverrides,
        probes,
    },
    probeStandIns: { broken: { status: 500 }, closed: { closed: true }, expiring: { certificateDays: 2 } },
});

/** When the rehearsal was ready (the first test's start): the faults exist from its first probe on, so every bound counts from here. */
let readyAt: number | undefined;
function ready(t: Parameters<typeof running>[0]): Rehearsal | undefined {
    const r = running(t);
    readyAt ??= Date.now();
    return r;
}

/** Telegram messages firing `alertname` for the probe `probe` with `severity`. */
function paged(r: Rehearsal, alertname: string, probe: string, severity: string): boolean {
    return telegram(r, alertname, "Firing").some((m) => text(m).includes(`probe = ${probe}`) && text(m).includes(`severity = ${severity}`));
}

/** Time left of a deadline counted from the rehearsal's readiness. */
const fromStart = (deadlineMs: number): number => Math.max(0, deadlineMs - (Date.now() - (readyAt ?? Date.now())));

test("rehearsal: an endpoint answering 500 → ProbeFailed (critical) on telegram and pagerduty", async (t) => {
    const r = ready(t);
    if (!r) return;
    await waitFor(() => paged(r, "ProbeFailed", "broken", "critical") && pagerduty(r, "ProbeFailed", "trigger").length > 0,
        fromStart(pagingDeadline(r)), "ProbeFailed for probe broken");
    console.log(`ProbeFailed (500) notified ${Date.now() - (readyAt ?? 0)} ms after the rehearsal was ready (time scale ${timeScale})`);
});

test("rehearsal: a closed port → ProbeFailed (critical)", async (t) => {
    const r = ready(t);
    if (!r) return;
    await waitFor(() => paged(r, "ProbeFailed", "closed", "critical"), fromStart(pagingDeadline(r)), "ProbeFailed for probe closed");
});

test("rehearsal: a certificate expiring in two days → TlsCertificateExpiringSoon (critical)", async (t) => {
    const r = ready(t);
    if (!r) return;
    // The alert has no `for`: a date does not blip.
    await waitFor(() => paged(r, "TlsCertificateExpiringSoon", "expiring", "critical"), fromStart(notifyDeadline(r, "0s")), "TlsCertificateExpiringSoon (critical) for probe expiring");
    assert.equal(paged(r, "ProbeFailed", "expiring", "critical"), false, "a certificate that is still valid passes the probe");
});

test("rehearsal: the healthy HTTPS endpoint never pages, and its probe sees its certificate", async (t) => {
    const r = ready(t);
    if (!r) return;
    // Past every bound above: whatever it would have caused has reached the receivers by now.
    await new Promise((resolve) => setTimeout(resolve, fromStart(pagingDeadline(r))));
    const aboutHealthy = r.fakes.requests.filter((m) => telegramPath.test(m.path) && text(m).includes("probe = healthy"));
    assert.deepEqual(aboutHealthy.map((m) => text(m).slice(0, 300)), []);
    const value = async (expr: string) => (await r.prometheus.query(expr))[0]?.values[0]?.[1];
    assert.equal(await value('probe_success{probe="healthy"}'), 1, "probe_success of healthy");
    const daysLeft = await value('(probe_ssl_earliest_cert_expiry{probe="healthy"} - time()) / 86400');
    assert.ok(daysLeft !== undefined && daysLeft > 300, `healthy's certificate is valid for about a year (${daysLeft} days)`);
});

test("rehearsal: probe changes go through the swap: a module the exporter refuses is never loaded, a good change is loaded by SIGHUP", async (t) => {
    const r = ready(t);
    if (!r) return;
    const brokenSuccess = async () => (await r.prometheus.query('probe_success{probe="broken"}'))[0]?.values[0]?.[1];
    const exporterStarts = async () => (await httpGet(`${r.urls["blackbox-exporter"]}/metrics`)).body.match(/^process_start_time_seconds (\S+)$/m)?.[1];
    const startedBefore = await exporterStarts();
    assert.ok(startedBefore, "the exporter reports its start time");
    // A module the checker refuses (a renderer bug or version skew; 0.23's check parses the file but
    // does not know the probers, so the broken value is a duration): the exporter keeps its release.
    await assert.rejects(r.applyConfig({ probes }, (files) => files.map((f) => f.path === blackboxConfigFile ? { ...f, content: f.content.replace("prober: tcp", "prober: tcp\n    timeout: soon") } : f)),
        /blackbox-exporter: the checker refused the new files; nothing was changed/);
    // The broken endpoint's 500 accepted: the new module is loaded without a restart and the probe passes.
    const accepting = probes.map((p) => (p.name === "broken" ? { ...p, validStatusCodes: [500] } : p));
    await r.applyConfig({ probes: accepting });
    await waitFor(async () => (await brokenSuccess()) === 1, 10 * r.timings.scrapeMs + 5000, "probe broken to pass with 500 accepted");
    assert.equal(await exporterStarts(), startedBefore, "reloaded, not restarted");
});
