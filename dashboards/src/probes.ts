// Probes: what the outside-in checks see (config key `probes`, jobs probe-<kind>, label probe):
// up or down, how long each phase of an HTTP request takes, and the days left on each certificate.
// The same series and thresholds as the `probes` rule group (render/probes.ts).
import type { AlertThresholds } from "../../model/alerts";
import { probeJobPattern } from "../../model/catalog";
import { matchers, re, selector } from "../../render/promql";
import { buildDashboard, type BuiltDashboard, labelVariable, redFrom, redOrangeBelow, stat, table, timeseries, upDownMappings } from "./common";

const ofProbes = re("job", probeJobPattern);
const sel = matchers([ofProbes, re("probe", "$probe")]);
const daysLeft = `(probe_ssl_earliest_cert_expiry{${sel}} - time()) / 86400`;

export const probes = (t: AlertThresholds): BuiltDashboard => buildDashboard({
    folder: "Probes",
    name: "probes",
    uid: "probes",
    title: "Probes",
    tags: ["probes", "blackbox"],
    description: `Outside-in checks from the monitoring host: ProbeFailed pages when a probe fails, ProbeSlow warns above ${t.probeSlowSeconds} s, ` +
        `TlsCertificateExpiringSoon warns ${t.tlsCertExpiryWarningDays} and pages ${t.tlsCertExpiryCriticalDays} days before a certificate expires.`,
    variables: [labelVariable("probe", "Probe", `label_values(${selector("probe_success", ofProbes)}, probe)`)],
    panels: [
        stat("Status", [{ expr: `probe_success{${sel}}`, legend: "{{probe}}" }], { mappings: upDownMappings, thresholds: [[null, "red"], [1, "green"]], width: 12 }),
        stat("Days to certificate expiry", [{ expr: daysLeft, legend: "{{probe}}" }], {
            unit: "d", thresholds: redOrangeBelow(t.tlsCertExpiryCriticalDays, t.tlsCertExpiryWarningDays), width: 12,
            description: "The earliest expiry in the chain each TLS probe (https, tcp with tls) last saw.", noValue: "not a TLS probe",
        }),
        table("HTTP status code", [{ expr: `max by (probe, instance) (probe_http_status_code{${sel}})` }], {
            width: 8, description: "0 when no response arrived.", noValue: "not an HTTP probe",
        }),
        timeseries("Probe duration", [{ expr: `probe_duration_seconds{${sel}}`, legend: "{{probe}}" }], {
            unit: "s", min: 0, thresholds: redFrom(t.probeSlowSeconds), width: 16,
        }),
        timeseries("HTTP latency by phase", [{ expr: `sum by (probe, phase) (probe_http_duration_seconds{${sel}})`, legend: "{{probe}} {{phase}}" }], {
            unit: "s", min: 0, stacked: true, width: 24, noValue: "not an HTTP probe",
            description: "resolve (DNS), connect (TCP), tls (handshake), processing (until the first byte), transfer (the body).",
        }),
        timeseries("Days to certificate expiry", [{ expr: daysLeft, legend: "{{probe}}" }], {
            unit: "d", thresholds: redOrangeBelow(t.tlsCertExpiryCriticalDays, t.tlsCertExpiryWarningDays), width: 24, noValue: "not a TLS probe",
        }),
    ],
});
