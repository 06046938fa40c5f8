// The backup's pure parts: the plan a stack's configuration makes, the units, the files and their
// secrecy, and the command `npm run restore` runs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { backupPlan, renderBackupFiles, renderBackupUnits, restoreInvocation, restorePlan } from "../../render/backup";
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

test("the restore stops and starts the stack's three containers by name", () => {
    const plan = restorePlan(withBackup().monitoring);
    assert.equal(plan?.stop, "docker stop 'monitoring-prod-prometheus' 'monitoring-prod-alertmanager' 'monitoring-prod-grafana' >/dev/null");
    assert.equal(plan?.start, "docker start 'monitoring-prod-prometheus' 'monitoring-prod-alertmanager' 'monitoring-prod-grafana' >/dev/null");
});
