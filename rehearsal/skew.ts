// Version skew between the images we deploy and the Debian binaries that test and rehearse them.
//
// Prometheus: image 3.x (prom/prometheus:v3.5.0) vs Debian promtool 2.42. prometheus.yml uses only
// fields both accept, and the rule glob may match nothing in either. The 3.x image no longer needs
// the --web.console.* flags, so prometheusCommand leaves them out (2.42 would not miss them either).
//
// Fleet discovery (render/discovery.ts): `hetzner_sd_configs` with `role: hcloud` and
// `authorization.credentials_file` pass both; its `label_selector` needs 3.5 and 2.42 refuses it,
// so the label is matched by a `keep` relabel instead (test/render/render-discovery.test.ts checks both).
//
// Alertmanager: image 0.28 (prom/alertmanager:v0.28.1) vs Debian amtool 0.25, which rejects as
// unknown the secret-file fields added later (each receiver type's `secretFileSince` in
// model/receivers.ts: telegram bot_token_file and webhook url_file 0.26, discord
// webhook_url_file 0.27). forDebianAlertmanager inlines those so 0.25 can check the rest of the
// file. Its output holds credentials in plain text: only for tests and loopback rehearsal, never
// for deployment.
//
// Blackbox exporter: image 0.27 (prom/blackbox-exporter:v0.27.0) vs Debian 0.23. blackbox.yml
// (render/probes.ts) uses only module keys 0.23 reads too (prober, preferred_ip_protocol,
// valid_status_codes, fail_if_body_not_matches_regexp, fail_if_not_ssl, tcp tls, dns query_name
// and query_type; the rehearsal adds tls_config.ca_file), both have --config.check, reload on
// SIGHUP and export blackbox_exporter_config_last_reload_successful and
// _success_timestamp_seconds (what the swap reads), and every probe_* name the rules and the
// dashboard use exists in both (checked against 0.23 by the operations rehearsal). No skew to
// rewrite; the rehearsal runs the rendered file as deployed.
import { load } from "js-yaml";
import { containerPaths, hostDirs } from "../model/catalog";
import { type RenderedFile, yamlText } from "../render/files";
import { alertmanagerContainerPath } from "../render/alertmanager";
import { receiverSpecs } from "../model/receivers";
import { isRecord, records } from "../model/typeGuards";

/**
 * Metrics the deployed images export that Debian's older binaries do not, so a panel showing them
 * has no data in the rehearsal only: metric → the release that added it.
 */
export const metricsNewerThanDebian: Readonly<Record<string, string>> = {
    prometheus_tsdb_wal_storage_size_bytes: "Prometheus 2.43 (prometheus/prometheus#12013); Debian ships 2.42",
};

/** The Alertmanager release Debian ships, which tests and rehearses the rendered config. */
export const debianAlertmanagerVersion = "0.25";

const minor = (version: string) => Number(version.split(".")[1]);

/** Notifier list → [file field newer releases read, inline field Debian's release knows]. */
const inlinedFields: ReadonlyMap<string, readonly [string, string]> = new Map(Object.values(receiverSpecs)
    .map((spec) => spec.alertmanager)
    .filter((am) => minor(am.secretFileSince) > minor(debianAlertmanagerVersion))
    .map((am) => [am.configsKey, [`${am.secretField}_file`, am.secretField]]));

function inlineSecret(notifier: Record<string, unknown>, fileField: string, inlineField: string,
    secrets: ReadonlyMap<string, string>): void {
    const path = notifier[fileField];
    if (typeof path !== "string") return;
    const value = secrets.get(path);
    if (value === undefined) throw new Error(`${fileField}: no secret file content for ${path}`);
    delete notifier[fileField];
    notifier[inlineField] = value;
}

/**
 * Rewrites alertmanager.yml for Debian's Alertmanager 0.25: the *_file fields it rejects
 * become inline values, looked up in `secrets` by in-container path.
 */
export function forDebianAlertmanager(configYaml: string, secrets: ReadonlyMap<string, string>): string {
    const doc = load(configYaml);
    if (!isRecord(doc)) throw new Error("alertmanager.yml is not a YAML mapping");
    for (const receiver of records(doc.receivers)) {
        for (const [key, [fileField, inlineField]] of inlinedFields) {
            for (const notifier of records(receiver[key])) inlineSecret(notifier, fileField, inlineField, secrets);
        }
    }
    return yamlText(doc);
}

/** In-container path → content of every secret Alertmanager file, the lookup forDebianAlertmanager needs. */
export function alertmanagerSecrets(files: readonly RenderedFile[]): Map<string, string> {
    return new Map(files.filter((f) => f.secret).map((f) => [alertmanagerContainerPath(f.path), f.content]));
}

/**
 * Rewrites prometheus.yml for Debian's Prometheus 2.42, which lacks `http_headers` (prometheus/common's
 * header config with `files`, read by the deployed 3.x): each remote_write header read from a file
 * becomes an inline `headers` entry, its value looked up in `secrets` by in-container path.
 * Like forDebianAlertmanager, the output holds credentials: tests and loopback rehearsal only.
 */
export function forDebianPrometheus(configYaml: string, secrets: ReadonlyMap<string, string>): string {
    const doc = load(configYaml);
    if (!isRecord(doc)) throw new Error("prometheus.yml is not a YAML mapping");
    for (const target of records(doc.remote_write)) {
        if (!isRecord(target.http_headers)) continue;
        const inline: Record<string, string> = {};
        for (const [name, header] of Object.entries(target.http_headers)) {
            const files = isRecord(header) && Array.isArray(header.files) ? header.files : [];
            const [file] = files;
            const value = typeof file === "string" ? secrets.get(file) : undefined;
            if (files.length !== 1 || value === undefined) throw new Error(`remote_write ${String(target.name)}: header ${name} must come from one known secret file`);
            inline[name] = value;
        }
        delete target.http_headers;
        target.headers = inline;
    }
    return yamlText(doc);
}

/** In-container path → content of every secret Prometheus file, the lookup forDebianPrometheus needs. */
export function prometheusSecrets(files: readonly RenderedFile[]): Map<string, string> {
    const prefix = `${hostDirs.prometheus}/`;
    return new Map(files.filter((f) => f.secret && f.path.startsWith(prefix))
        .map((f) => [`${containerPaths.prometheusConfigDir}/${f.path.slice(prefix.length)}`, f.content]));
}

/** An agent-mode command line for Debian's Prometheus 2.42, which enables agent mode as a feature flag. */
export function forDebianAgent(command: readonly string[]): string[] {
    return command.map((a) => (a === "--agent" ? "--enable-feature=agent" : a));
}
