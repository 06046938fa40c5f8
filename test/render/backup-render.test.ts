// The backup's pure parts: the plan a stack's configuration makes, the units, the files and their
// secrecy, and the command `npm run restore` runs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { backupLayout, backupPlan, renderBackupFiles, renderBackupUnits, restoreInvocation, restorePlan, textfileDir } from "../../render/backup";
import { dataMountScript, dockerDataVolumeDropInPath, serviceDataDir, serviceDataDirs, volumeDevicePath } from "../../render/dataVolume";
import { dataMountPath } from "../../model/dataSafety";
import { allServiceSpecs } from "../../model/services";
import { sshTarget } from "../../scripts/restore";

const withBackup = (raw: Record<string, unknown> = {}) => parseStackConfig("prod", {
    hetznerSshKeyName: "deploy", backupRepository: "/srv/restic", backupPassword: "pw", ...raw,
});

test("with the data volume the job reads the data directories; without it, the Docker volumes", () => {
    const onVolume = backupPlan(withBackup().monitoring);
    assert.deepEqual(onVolume?.prometheus, { dir: "/srv/monitoring-data/prometheus" });
    assert.deepEqual(onVolume?.grafana, { dir: "/srv/monitoring-data/grafana" });
    assert.deepEqual(onVolume?.alertmanager, { dir: "/srv/monitoring-data/alertmanager" });
    const inDocker = backupPlan(withBackup({ dataVolume: false }).monitoring);
    assert.deepEqual(inDocker?.prometheus, { dockerVolume: "monitoring-prod-prometheus-data" });
    assert.equal(inDocker?.prometheusUrl, "http://127.0.0.1:9090", "the snapshot API through the loopback port, from the host only");
    assert.equal(inDocker?.s3KeysFile, undefined, "no keys file for a repository that is not S3");
    assert.equal(backupPlan(parseStackConfig("prod", { hetznerSshKeyName: "deploy" }).monitoring), undefined);
});

test("the job's files: scripts readable, password and S3 keys root-only secrets", () => {
    const m = withBackup({
        backupRepository: "s3:https://fsn1.your-objectstorage.com/b/prod", backupS3AccessKeyId: "id", backupS3SecretAccessKey: "sk",
    }).monitoring;
    const files = renderBackupFiles(m);
    assert.deepEqual(files.map((f) => [f.path, f.secret, f.owner]), [
        ["backup/backup.sh", false, 0], ["backup/restore.sh", false, 0], ["backup/secrets/password", true, 0], ["backup/secrets/s3-keys", true, 0],
    ]);
    for (const script of files.filter((f) => !f.secret)) assert.doesNotMatch(script.content, /\bpw\b|sk\n|=sk/);
});

test("without a backup repository the stack has no backup files and no restore", () => {
    const m = parseStackConfig("prod", { hetznerSshKeyName: "deploy" }).monitoring;
    assert.deepEqual(renderBackupFiles(m), []);
    assert.equal(restorePlan(m), undefined);
});

test("a repository that is not S3 gets no S3 keys file", () => {
    assert.deepEqual(renderBackupFiles(withBackup().monitoring).map((f) => f.path), ["backup/backup.sh", "backup/restore.sh", "backup/secrets/password"]);
});

test("the job's scratch directory, its metrics directory and its units are the stack's own, below configRoot", () => {
    const m = withBackup().monitoring;
    const plan = backupPlan(m);
    assert.equal(plan?.workDir, "/opt/monitoring/prod/backup/work");
    assert.equal(plan?.textfileDir, "/opt/monitoring/prod/textfile");
    assert.equal(textfileDir(m), "/opt/monitoring/prod/textfile");
    const layout = backupLayout(m);
    assert.equal(layout.unit, "vps-monitoring-backup-prod.service");
    assert.equal(layout.timer, "vps-monitoring-backup-prod.timer");
    assert.equal(backupLayout(withBackup().monitoring).timer, "vps-monitoring-backup-prod.timer");
    assert.equal(backupLayout(parseStackConfig("staging", { hetznerSshKeyName: "deploy" }).monitoring).timer, "vps-monitoring-backup-staging.timer", "two stacks on one host have two timers");
});

/** A systemd unit's sections and settings; fails on a line that is neither blank, a [Section] nor a Key=Value inside one. */
function unitSettings(text: string): Record<string, Record<string, string>> {
    assert.ok(text.endsWith("\n"), "a unit file ends with a newline");
    const sections: Record<string, Record<string, string>> = {};
    let current: Record<string, string> | undefined;
    for (const line of text.split("\n")) {
        if (line === "") continue;
        const header = /^\[(\w+)\]$/.exec(line);
        if (header) {
            current = sections[header[1]] = {};
            continue;
        }
        const setting = /^(\w+)=(.*)$/.exec(line);
        assert.ok(setting && current, `not a setting of a section: ${JSON.stringify(line)}`);
        current[setting[1]] = setting[2];
    }
    return sections;
}

test("the backup service waits for the network and Docker and yields CPU and disk to the stack; the timer spreads its runs", () => {
    const units = renderBackupUnits("prod", "/opt/monitoring/prod/backup/backup.sh", 6);
    assert.deepEqual(unitSettings(units.service), {
        Unit: { Description: "Backup of the monitoring stack prod (restic)", Wants: "network-online.target", After: "network-online.target docker.service" },
        Service: { Type: "oneshot", ExecStart: "/bin/bash /opt/monitoring/prod/backup/backup.sh", Nice: "10", IOSchedulingClass: "idle" },
    });
    assert.deepEqual(unitSettings(units.timer), {
        Unit: { Description: "Backup of the monitoring stack prod every 6h" },
        Timer: { OnBootSec: "15min", OnUnitActiveSec: "6h", RandomizedDelaySec: "5min" },
        Install: { WantedBy: "timers.target" },
    });
});

test("the timer runs every backupIntervalHours, after boot too", () => {
    const units = renderBackupUnits("prod", "/opt/monitoring/prod/backup/backup.sh", 6);
    assert.match(units.timer, /^OnUnitActiveSec=6h$/m);
    assert.match(units.timer, /^OnBootSec=15min$/m);
    assert.match(units.timer, /^WantedBy=timers.target$/m);
    assert.match(units.service, /^Type=oneshot$/m);
    assert.match(units.service, /^ExecStart=\/bin\/bash \/opt\/monitoring\/prod\/backup\/backup.sh$/m);
});

test("npm run restore sends the script to sudo bash -s over SSH, checking the host key, with only a snapshot id as argument", () => {
    const config = withBackup({ sshUser: "qt", sshPort: 2222 });
    const target = sshTarget(config, { ipv4: "203.0.113.10", knownHosts: "[203.0.113.10]:2222 ssh-ed25519 AAAAHOSTKEY" });
    assert.deepEqual(target, { user: "qt", address: "203.0.113.10", port: 2222, hostKey: "ssh-ed25519 AAAAHOSTKEY" });
    const { command, args } = restoreInvocation(target, "latest");
    assert.equal(command, "ssh");
    assert.ok(args.includes("StrictHostKeyChecking=yes"));
    assert.deepEqual(args.slice(-8), ["-p", "2222", "qt@203.0.113.10", "sudo", "bash", "-s", "--", "latest"], "the destination, then the remote command");
    assert.deepEqual(restoreInvocation("local", "c51849d2"), { command: "sudo", args: ["bash", "-s", "--", "c51849d2"] });
    for (const bad of ["latest; rm -rf /", "$(id)", "C51849D2", "abc"]) assert.throws(() => restoreInvocation(target, bad), /not a restic snapshot id/);
});

test("npm run restore to a host whose key is not known yet accepts a new key, on the default port without -p", () => {
    assert.deepEqual(restoreInvocation({ user: "root", address: "203.0.113.10", port: 22 }, "latest"), {
        command: "ssh", args: ["-o", "StrictHostKeyChecking=accept-new", "root@203.0.113.10", "sudo", "bash", "-s", "--", "latest"],
    });
});

test("the restore stops and starts the stack's three containers by name", () => {
    const plan = restorePlan(withBackup().monitoring);
    assert.equal(plan?.stop, "docker stop 'monitoring-prod-prometheus' 'monitoring-prod-alertmanager' 'monitoring-prod-grafana' >/dev/null");
    assert.equal(plan?.start, "docker start 'monitoring-prod-prometheus' 'monitoring-prod-alertmanager' 'monitoring-prod-grafana' >/dev/null");
});

test("Hetzner's volume device is named by the volume's id", () => {
    assert.equal(volumeDevicePath(104683), "/dev/disk/by-id/scsi-0HC_Volume_104683");
});

test("with the data volume each stateful container keeps its data in its directory on it; exporters and a stack without the volume keep none", () => {
    const dirsOf = (m: ReturnType<typeof withBackup>["monitoring"]) => allServiceSpecs.flatMap((spec) => spec.instances(m).map((i) => [i.names.alias, serviceDataDir(m, spec, i)]));
    const onVolume = Object.fromEntries(dirsOf(withBackup().monitoring));
    assert.equal(onVolume.prometheus, "/srv/monitoring-data/prometheus");
    assert.equal(onVolume.alertmanager, "/srv/monitoring-data/alertmanager");
    assert.equal(onVolume.grafana, "/srv/monitoring-data/grafana");
    assert.ok("node-exporter" in onVolume);
    assert.equal(onVolume["node-exporter"], undefined, "node-exporter has no data");
    assert.deepEqual(dirsOf(withBackup({ dataVolume: false }).monitoring).filter(([, dir]) => dir !== undefined), []);
});

test("the data volume gets a directory per stateful container, owned by its user, filled once from the stack's Docker volume", () => {
    assert.deepEqual(serviceDataDirs(withBackup().monitoring), [
        { name: "prometheus", uid: 65534, migrateFrom: { volumes: ["monitoring-prod-prometheus-data", "monitoring-prometheus-data"], container: "monitoring-prod-prometheus" } },
        { name: "alertmanager", uid: 65534, migrateFrom: { volumes: ["monitoring-prod-alertmanager-data", "monitoring-alertmanager-data"], container: "monitoring-prod-alertmanager" } },
        { name: "grafana", uid: 472, migrateFrom: { volumes: ["monitoring-prod-grafana-data", "monitoring-grafana-data"], container: "monitoring-prod-grafana" } },
    ]);
});

test("on the host the mount script writes /etc/fstab, mounts at the data mount path and makes Docker wait for it", () => {
    const device = volumeDevicePath(1);
    const script = dataMountScript(device, []);
    assert.equal(script, dataMountScript(device, [], { fstab: "/etc/fstab", mount: dataMountPath, dockerDropIn: dockerDataVolumeDropInPath }));
    assert.match(script, /^grep -qs ' \/srv\/monitoring-data ' '\/etc\/fstab' \|\| printf .* >> '\/etc\/fstab'$/m);
});
