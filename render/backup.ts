// The backup job and its restore: pure text (bash scripts, systemd units) for the host. The
// components place them (components/backup.ts), `npm run restore` runs the restore over SSH
// (scripts/restore.ts), and the tests run both for real with bash, restic and Debian's Prometheus
// (test/integration/backup-script.test.ts, test/rehearsal/rehearsal-backup.test.ts).
//
// What one run stores, in one restic snapshot tagged vps-monitoring, host = the stack:
// - Prometheus: a TSDB snapshot (POST /api/v1/admin/tsdb/snapshot: hard links of the blocks plus
//   the head written out as a block: consistent), renamed to snapshots/vps-monitoring-backup.
// - Grafana: its sqlite database copied with sqlite3's online `.backup` (consistent while Grafana writes).
// - Alertmanager: its notification log and silences (files it replaces atomically, so a copy is whole).
// Secrets are read from root-only files: the repository password by restic (--password-file via
// RESTIC_PASSWORD_FILE), the S3 keys by this script into restic's environment only; restic is a
// short-lived child of a root-only systemd service, never a container.
import { containerUids } from "../model/catalog";
import { backupMetrics, type BackupRetention } from "../model/dataSafety";
import { shellQuote } from "./hostCommands";
import type { RenderedFile } from "./files";
import { hostKeyOptions, type SshTarget } from "./access";
import { type ServiceNames, stackNames } from "../model/names";
import type { MonitoringConfig } from "../model/stack";

/** Where a service's data is on the host: a directory (on the data volume) or a Docker volume. */
export type DataLocation = { readonly dir: string } | { readonly dockerVolume: string };

export interface BackupPlan {
    /** restic's --host of every snapshot (the stack), so stacks can share a repository. */
    readonly stack: string;
    readonly repository: string;
    /** Root-only file holding the repository password. */
    readonly passwordFile: string;
    /** Root-only file of AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… lines, for an s3: repository. */
    readonly s3KeysFile?: string;
    /** Prometheus' HTTP address as the host reaches it (its loopback port). */
    readonly prometheusUrl: string;
    readonly prometheus: DataLocation;
    readonly grafana: DataLocation;
    readonly alertmanager: DataLocation;
    /** Scratch directory for the Grafana and Alertmanager copies (emptied after each run). */
    readonly workDir: string;
    readonly keep: BackupRetention;
    /** node-exporter's textfile collector directory on the host. */
    readonly textfileDir: string;
}

/** Fixed name of the Prometheus snapshot while it is backed up (and where a restore finds it). */
export const prometheusSnapshotName = "vps-monitoring-backup";
/** Tag of every snapshot the job makes. */
export const backupTag = "vps-monitoring";
/** The metrics file in the textfile directory. */
export const backupMetricsFile = "vps_monitoring_backup.prom";
/** Files of Alertmanager's state. */
export const alertmanagerStateFiles = ["nflog", "silences"] as const;
export const grafanaDatabase = "grafana.db";

function locate(variable: string, location: DataLocation): string {
    return "dir" in location
        ? `${variable}=${shellQuote(location.dir)}`
        : `${variable}=$(docker volume inspect -f '{{.Mountpoint}}' ${shellQuote(location.dockerVolume)}) || fail "no Docker volume ${location.dockerVolume}"`;
}

/** restic's environment: repository, password file and (for S3) the keys read from their file. */
function resticEnvironment(plan: Pick<BackupPlan, "repository" | "passwordFile" | "s3KeysFile">): string {
    const lines = [
        `export RESTIC_REPOSITORY=${shellQuote(plan.repository)}`,
        `export RESTIC_PASSWORD_FILE=${shellQuote(plan.passwordFile)}`,
        `[ -r "$RESTIC_PASSWORD_FILE" ] || fail "cannot read the repository password file $RESTIC_PASSWORD_FILE"`,
    ];
    if (plan.s3KeysFile !== undefined) {
        // Only these two names are taken from the file; nothing in it is executed.
        lines.push(`while IFS='=' read -r key value; do
  case "$key" in AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY) export "$key=$value" ;; esac
done < ${shellQuote(plan.s3KeysFile)} || fail "cannot read the S3 keys file"`);
    }
    return lines.join("\n");
}

/** The metric lines the job writes (HELP, TYPE, sample) for node-exporter's textfile collector. */
function metricLines(): string {
    const gauge = (name: string, help: string, value: string) =>
        `printf '# HELP %s %s\\n# TYPE %s gauge\\n%s %s\\n' ${name} ${shellQuote(help)} ${name} ${name} "${value}"`;
    return [
        gauge(backupMetrics.lastSuccess, "Unix time the last successful backup finished (until the first: when the job was deployed).", "$last_success"),
        gauge(backupMetrics.lastRun, "Unix time the last backup run finished.", "$now"),
        gauge(backupMetrics.duration, "Seconds the last backup run took.", "$((now - started))"),
        gauge(backupMetrics.exitCode, "Exit code of the last backup run (0: success).", "$rc"),
    ].join("\n    ");
}

export function renderBackupScript(plan: BackupPlan): string {
    const metrics = `${plan.textfileDir}/${backupMetricsFile}`;
    const keep = [`--keep-daily ${plan.keep.daily}`, `--keep-weekly ${plan.keep.weekly}`, `--keep-monthly ${plan.keep.monthly}`].join(" ");
    return `#!/bin/bash
# Backup job of stack ${plan.stack} (rendered by render/backup.ts); run by systemd as root.
set -uo pipefail
umask 077
started=$(date +%s)
metrics=${shellQuote(metrics)}
work=${shellQuote(plan.workDir)}
snapshot=""
say() { printf 'backup: %s\\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

# The job's own metrics, written atomically (node-exporter must never read half a file). A failed
# run keeps the last success time: BackupStale measures from it.
write_metrics() {
  rc=$1
  now=$(date +%s)
  last_success=$(awk '$1 == "${backupMetrics.lastSuccess}" { print $2 }' "$metrics" 2>/dev/null)
  [ -n "$last_success" ] || last_success=0
  [ "$rc" -ne 0 ] || last_success=$now
  mkdir -p "$(dirname "$metrics")"
  {
    ${metricLines()}
  } > "$metrics.tmp.$$" && chmod 0644 "$metrics.tmp.$$" && mv -f "$metrics.tmp.$$" "$metrics"
}
finish() {
  rc=$?
  [ -z "$snapshot" ] || rm -rf "$snapshot"
  rm -rf "$work"
  write_metrics "$rc"
  if [ "$rc" -eq 0 ]; then say "done in $(( $(date +%s) - started ))s"; else say "FAILED (exit $rc)"; fi
  exit "$rc"
}
trap finish EXIT

${resticEnvironment(plan)}
restic cat config >/dev/null 2>&1 || restic init || fail "cannot open or create the repository"

${locate("prometheus_dir", plan.prometheus)}
${locate("grafana_dir", plan.grafana)}
${locate("alertmanager_dir", plan.alertmanager)}

# Prometheus: a snapshot through the admin API on its loopback port (the host only).
answer=$(curl -fsS -X POST ${shellQuote(`${plan.prometheusUrl}/api/v1/admin/tsdb/snapshot`)}) || fail "Prometheus refused the snapshot (is --web.enable-admin-api on?)"
name=$(printf '%s' "$answer" | sed -n 's/.*"name":"\\([^"]*\\)".*/\\1/p')
[ -n "$name" ] || fail "Prometheus answered the snapshot without a name: $answer"
snapshot="$prometheus_dir/snapshots/${prometheusSnapshotName}"
rm -rf "$snapshot"
mv "$prometheus_dir/snapshots/$name" "$snapshot" || fail "cannot rename the snapshot $name"

rm -rf "$work"
install -d -m 0700 "$work/grafana" "$work/alertmanager"
# Grafana: sqlite's online backup is consistent while Grafana writes.
if [ -f "$grafana_dir/${grafanaDatabase}" ]; then
  sqlite3 "$grafana_dir/${grafanaDatabase}" ".backup '$work/grafana/${grafanaDatabase}'" || fail "sqlite3 could not copy Grafana's database"
else
  say "no Grafana database yet in $grafana_dir"
fi
# Alertmanager replaces these files by rename: a copy is always a whole file.
for f in ${alertmanagerStateFiles.join(" ")}; do
  if [ -f "$alertmanager_dir/$f" ]; then cp -p "$alertmanager_dir/$f" "$work/alertmanager/$f" || fail "cannot copy $f"; fi
done

restic backup --host ${shellQuote(plan.stack)} --tag ${backupTag} "$snapshot" "$work" || fail "restic backup failed"
restic forget --host ${shellQuote(plan.stack)} --tag ${backupTag} ${keep} --prune || fail "restic forget failed (the backup itself was stored)"
`;
}

export interface RestorePlan extends Pick<BackupPlan, "stack" | "repository" | "passwordFile" | "s3KeysFile" | "prometheusUrl" | "prometheus" | "grafana" | "alertmanager"> {
    /** The backup's own paths, as stored (render the backup plan once and restore with it). */
    readonly workDir: string;
    /** Stops Prometheus, Alertmanager and Grafana (docker stop, or the rehearsal's own). */
    readonly stop: string;
    readonly start: string;
    /** Seconds Prometheus may take to answer the check query after the start. */
    readonly deadlineSeconds: number;
}

/**
 * Restores one snapshot (`$1`, default latest) of this stack: stops the services, replaces their
 * data with the snapshot's, starts them and checks that Prometheus answers a query for the time of
 * the backup. Prints what it did on stdout.
 */
export function renderRestoreScript(plan: RestorePlan): string {
    return `#!/bin/bash
# Restore of stack ${plan.stack} (rendered by render/backup.ts); run as root.
set -uo pipefail
umask 077
which=\${1:-latest}
say() { printf 'restore: %s\\n' "$*"; }
fail() { printf 'restore: %s\\n' "$*" >&2; exit 1; }
${resticEnvironment(plan)}
${locate("prometheus_dir", plan.prometheus)}
${locate("grafana_dir", plan.grafana)}
${locate("alertmanager_dir", plan.alertmanager)}

listing=$(restic snapshots --json --host ${shellQuote(plan.stack)} --tag ${backupTag} "$which") || fail "no snapshot $which in the repository"
id=$(printf '%s' "$listing" | sed -n 's/.*"short_id":"\\([^"]*\\)".*/\\1/p' | tail -n 1)
taken=$(printf '%s' "$listing" | sed -n 's/.*"time":"\\([^"]*\\)".*/\\1/p' | tail -n 1)
[ -n "$id" ] || fail "no snapshot $which of host ${plan.stack} in the repository"
taken_at=$(date -d "$taken" +%s) || fail "cannot read the snapshot time $taken"
say "snapshot $id taken $taken"

target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
restic restore "$id" --target "$target" || fail "restic restore failed; nothing was changed"
restored="$target$prometheus_dir/snapshots/${prometheusSnapshotName}"
[ -d "$restored" ] || fail "the snapshot holds no Prometheus data; nothing was changed"

say "stopping the services"
${plan.stop} || fail "cannot stop the services"
# Prometheus: the snapshot's blocks become its whole data directory (the WAL after the backup is dropped).
find "$prometheus_dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
cp -a "$restored/." "$prometheus_dir/" || fail "cannot copy the Prometheus blocks"
chown -R ${containerUids.prometheus}:${containerUids.prometheus} "$prometheus_dir"
if [ -f "$target${plan.workDir}/grafana/${grafanaDatabase}" ]; then
  rm -f "$grafana_dir/${grafanaDatabase}-journal" "$grafana_dir/${grafanaDatabase}-wal" "$grafana_dir/${grafanaDatabase}-shm"
  cp "$target${plan.workDir}/grafana/${grafanaDatabase}" "$grafana_dir/${grafanaDatabase}" || fail "cannot copy Grafana's database"
  chown ${containerUids.grafana}:${containerUids.grafana} "$grafana_dir/${grafanaDatabase}"
  say "Grafana's database restored"
fi
for f in ${alertmanagerStateFiles.join(" ")}; do
  if [ -f "$target${plan.workDir}/alertmanager/$f" ]; then
    cp "$target${plan.workDir}/alertmanager/$f" "$alertmanager_dir/$f" && chown ${containerUids.alertmanager}:${containerUids.alertmanager} "$alertmanager_dir/$f" || fail "cannot copy $f"
    say "Alertmanager's $f restored"
  fi
done
say "Prometheus blocks restored: $(find "$prometheus_dir" -mindepth 1 -maxdepth 1 -type d | wc -l)"

say "starting the services"
${plan.start} || fail "cannot start the services"
# The restored history must answer for the moment the backup was taken (a query looks back 5
# minutes from there: only restored samples can answer it, never ones scraped after the start).
at=$((taken_at - 1))
end=$(( $(date +%s) + ${plan.deadlineSeconds} ))
while :; do
  answer=$(curl -fsS ${shellQuote(`${plan.prometheusUrl}/api/v1/query`)} --data-urlencode 'query=count(up)' --data-urlencode "time=$at" 2>/dev/null) || answer=""
  case "$answer" in *'"result":[{'*) break ;; esac
  [ "$(date +%s)" -lt "$end" ] || fail "Prometheus does not answer for the time of the backup ($(date -u -d @"$at" +%FT%TZ)) within ${plan.deadlineSeconds}s: $answer"
  sleep 1
done
count=$(printf '%s' "$answer" | sed -n 's/.*"value":\\[[^,]*,"\\([^"]*\\)"\\].*/\\1/p')
say "history answers: count(up) at $(date -u -d @"$at" +%FT%TZ) = $count"
say "restored snapshot $id"
`;
}

export interface BackupUnits {
    readonly service: string;
    readonly timer: string;
}

/** The oneshot service and its timer: first run 15 min after boot, then every `intervalHours`. */
export function renderBackupUnits(stack: string, scriptPath: string, intervalHours: number): BackupUnits {
    return {
        service: [
            "[Unit]",
            `Description=Backup of the monitoring stack ${stack} (restic)`,
            "Wants=network-online.target",
            "After=network-online.target docker.service",
            "",
            "[Service]",
            "Type=oneshot",
            `ExecStart=/bin/bash ${scriptPath}`,
            // Backups yield to the services they back up.
            "Nice=10",
            "IOSchedulingClass=idle",
            "",
        ].join("\n"),
        timer: [
            "[Unit]",
            `Description=Backup of the monitoring stack ${stack} every ${intervalHours}h`,
            "",
            "[Timer]",
            "OnBootSec=15min",
            `OnUnitActiveSec=${intervalHours}h`,
            "RandomizedDelaySec=5min",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ].join("\n"),
    };
}

/** The S3 keys file's text (root-only on the host; never a command line or environment of a service). */
export function s3KeysFileText(accessKeyId: string, secretAccessKey: string): string {
    return `AWS_ACCESS_KEY_ID=${accessKeyId}\nAWS_SECRET_ACCESS_KEY=${secretAccessKey}\n`;
}

/** Where the job's files live on the host, below configRoot and in systemd's directory. */
export interface BackupLayout {
    /** Directory below configRoot: the scripts, and secrets/ (root-only). */
    readonly dir: string;
    readonly scriptPath: string;
    readonly restorePath: string;
    readonly passwordPath: string;
    readonly s3KeysPath: string;
    readonly unit: string;
    readonly timer: string;
}

export const backupDir = "backup";

export function backupLayout(m: Pick<MonitoringConfig, "configRoot" | "stack">): BackupLayout {
    const dir = `${m.configRoot}/${backupDir}`;
    const unit = `vps-monitoring-backup-${m.stack}`;
    return {
        dir, scriptPath: `${dir}/backup.sh`, restorePath: `${dir}/restore.sh`,
        passwordPath: `${dir}/secrets/password`, s3KeysPath: `${dir}/secrets/s3-keys`,
        unit: `${unit}.service`, timer: `${unit}.timer`,
    };
}

/** node-exporter's textfile collector directory on the host, and where node-exporter sees it. */
export function textfileDir(m: Pick<MonitoringConfig, "configRoot">): string {
    return `${m.configRoot}/textfile`;
}
export const textfileMount = "/textfile";

function dataLocation(m: MonitoringConfig, names: ServiceNames): DataLocation {
    return m.dataDir !== undefined ? { dir: `${m.dataDir}/${names.alias}` } : { dockerVolume: names.volume };
}

/** The stack's backup job, from its configuration; undefined when it has none. */
export function backupPlan(m: MonitoringConfig): BackupPlan | undefined {
    const backup = m.backup;
    if (!backup) return undefined;
    const layout = backupLayout(m);
    const names = stackNames(m.stack);
    return {
        stack: m.stack,
        repository: backup.repository,
        passwordFile: layout.passwordPath,
        s3KeysFile: backup.s3 ? layout.s3KeysPath : undefined,
        prometheusUrl: `http://127.0.0.1:${m.prometheus.port}`,
        prometheus: dataLocation(m, names.prometheus),
        grafana: dataLocation(m, names.grafana),
        alertmanager: dataLocation(m, names.alertmanager),
        workDir: `${layout.dir}/work`,
        keep: backup.keep,
        textfileDir: textfileDir(m),
    };
}

/** The restore for the stack's backup: Docker stops and starts the three containers. */
export function restorePlan(m: MonitoringConfig): RestorePlan | undefined {
    const plan = backupPlan(m);
    if (!plan) return undefined;
    const names = stackNames(m.stack);
    const containers = [names.prometheus, names.alertmanager, names.grafana].map((n) => shellQuote(n.container)).join(" ");
    return { ...plan, stop: `docker stop ${containers} >/dev/null`, start: `docker start ${containers} >/dev/null`, deadlineSeconds: 120 };
}

/** The rendered files of the job (relative to configRoot), secrets marked. */
export function renderBackupFiles(m: MonitoringConfig): RenderedFile[] {
    const plan = backupPlan(m);
    const restore = restorePlan(m);
    if (!plan || !restore || !m.backup) return [];
    const rel = (path: string) => path.slice(m.configRoot.length + 1);
    const layout = backupLayout(m);
    const root = 0;
    return [
        { path: rel(layout.scriptPath), content: renderBackupScript(plan), secret: false, owner: root },
        { path: rel(layout.restorePath), content: renderRestoreScript(restore), secret: false, owner: root },
        { path: rel(layout.passwordPath), content: m.backup.password, secret: true, owner: root },
        ...(m.backup.s3 ? [{ path: rel(layout.s3KeysPath), content: s3KeysFileText(m.backup.s3.accessKeyId, m.backup.s3.secretAccessKey), secret: true, owner: root }] : []),
    ];
}

/** Installs the tools if missing, loads the units and starts the timer (idempotent; run with sudo). */
/**
 * Writes the deploy time as the last success when the job has no metrics yet: BackupStale counts
 * from the deploy until the first success, so a job that never succeeds (or never runs) alerts too.
 */
export function initialBackupMetricsScript(metricsDir: string): string {
    const metrics = shellQuote(`${metricsDir}/${backupMetricsFile}`);
    return [
        `install -d -m 0755 ${shellQuote(metricsDir)}`,
        `[ -f ${metrics} ] || printf '# TYPE %s gauge\n%s %s\n' ${backupMetrics.lastSuccess} ${backupMetrics.lastSuccess} "$(date +%s)" > ${metrics}`,
        `chmod 0644 ${metrics}`,
    ].join("\n");
}

export function enableBackupScript(layout: BackupLayout, metricsDir: string): string {
    return [
        "set -e",
        initialBackupMetricsScript(metricsDir),
        "if ! command -v restic >/dev/null || ! command -v sqlite3 >/dev/null || ! command -v curl >/dev/null; then",
        // Two commands, not `update && install`: set -e ignores a failure left of `&&`, and a failed
        // update would let the deploy go on to start the timer of a job that cannot run.
        "  DEBIAN_FRONTEND=noninteractive apt-get update -q",
        "  DEBIAN_FRONTEND=noninteractive apt-get install -y -q restic sqlite3 curl",
        "fi",
        "systemctl daemon-reload",
        `systemctl enable --now ${layout.timer}`,
    ].join("\n");
}

export function disableBackupScript(layout: BackupLayout): string {
    return `systemctl disable --now ${layout.timer} || true; systemctl daemon-reload`;
}

/** A restic snapshot id (short or full) or `latest`: nothing else reaches the remote command line. */
export const snapshotPattern = /^(latest|[0-9a-f]{8,64})$/;

/**
 * The command `npm run restore` runs: the restore script on stdin of `sudo bash -s` on the host
 * (over SSH, verifying the host key where it is known), the snapshot as its one argument.
 */
export function restoreInvocation(target: SshTarget | "local", snapshot: string): { readonly command: string; readonly args: readonly string[] } {
    if (!snapshotPattern.test(snapshot)) throw new Error(`"${snapshot}" is not a restic snapshot id (8 to 64 hex digits) or latest`);
    const remote = ["sudo", "bash", "-s", "--", snapshot];
    if (target === "local") return { command: remote[0], args: remote.slice(1) };
    const options = target.hostKey ? hostKeyOptions(target) : ["-o", "StrictHostKeyChecking=accept-new"];
    return {
        command: "ssh",
        args: [...options, ...(target.port === 22 ? [] : ["-p", String(target.port)]), `${target.user}@${target.address}`, ...remote],
    };
}
