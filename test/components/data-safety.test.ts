// The real index.ts for prod under runtime mocks, with a 50 GB data volume, no retentionSize of its
// own, Hetzner's backups and an S3 backup repository: the volume and its protection, the mount in
// cloud-init, retention from the volume's size, and the backup timer with its secrets in files.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { load } from "js-yaml";
import { byType, type ProgramRun, type Registration, runProgram } from "../harness";
import { stackRawConfig } from "../../config/stackFiles";
import { dataMountPath, retentionSizeForVolume } from "../../model/dataSafety";
import { containerUids } from "../../model/catalog";

const botToken = "123456:TEST-bot-token-never-in-plaintext";
const backupPassword = "restic-repository-password-for-tests";
const s3Secret = "s3-secret-access-key-for-tests";
const volumeGb = 50;
let run: ProgramRun;

before(async () => {
    const receivers = (stackRawConfig("prod").receivers as Record<string, unknown>[]).map((r) => ({ ...r, botToken }));
    run = await runProgram("prod", {
        receivers, dataVolumeGb: volumeGb, retentionSize: "", hetznerBackups: true,
        backupRepository: "s3:https://fsn1.your-objectstorage.com/monitoring-backups/prod",
        backupPassword, backupS3AccessKeyId: "AKIDFORTESTS", backupS3SecretAccessKey: s3Secret, backupIntervalHours: 6,
    }, ["receivers", "backupPassword", "backupS3SecretAccessKey"]);
});

const one = (type: string, name?: string): Registration => {
    const found = byType(run, type).filter((r) => name === undefined || r.name === name);
    assert.equal(found.length, 1, `expected one ${type} ${name ?? ""}, found ${found.map((f) => f.name).join(", ")}`);
    return found[0];
};
const container = (service: string): Registration | undefined =>
    byType(run, "docker:index/container:Container").find((c) => c.inputs.name === `monitoring-prod-${service}`);
const command = (name: string) => one("command:remote:Command", name);

test("the data volume is a protected Hetzner Volume of the configured size, next to the server, attached to it", () => {
    const volume = one("hcloud:index/volume:Volume");
    assert.equal(volume.inputs.size, volumeGb);
    assert.equal(volume.inputs.location, "fsn1");
    assert.equal(volume.inputs.format, "ext4");
    assert.equal(volume.inputs.deleteProtection, true, "Hetzner refuses to delete it");
    assert.equal(volume.protect, true, "Pulumi refuses to delete it");
    const attachment = one("hcloud:index/volumeAttachment:VolumeAttachment");
    assert.equal(attachment.inputs.automount, false, "mounted by cloud-init and the mount command, at a fixed path");
    assert.ok(attachment.deleteBeforeReplace, "a replacement server gets the volume after the old one let go of it");
    assert.ok(attachment.dependencies.includes(volume.urn) && attachment.dependencies.includes(one("hcloud:index/server:Server").urn));
});

test("cloud-init mounts the volume at the fixed path, and Docker starts only with it mounted", () => {
    const server = one("hcloud:index/server:Server");
    assert.ok(server.secretInputs.includes("userData"));
    const userData = load(String(server.inputs.userData)) as { mounts: string[][]; write_files: { path: string; content: string }[] };
    assert.deepEqual(userData.mounts, [["/dev/disk/by-id/scsi-0HC_Volume_host-data-volume-id", dataMountPath, "ext4", "defaults,discard,nofail,x-systemd.device-timeout=300", "0", "2"]]);
    const dropIn = userData.write_files.find((f) => f.path.startsWith("/etc/systemd/system/docker.service.d/") && f.content.includes("RequiresMountsFor"));
    assert.equal(dropIn?.content, `[Unit]\nRequiresMountsFor=${dataMountPath}\n`);
    assert.equal(server.inputs.backups, true, "hetznerBackups turns on Hetzner's server backups");
});

test("the mount command mounts the volume on any server and makes each data directory for its container's user; containers wait for it", () => {
    const mount = command("host-data-mount");
    const create = String(mount.inputs.create);
    assert.match(create, /^sudo sh -c '/);
    // The script as root runs it: the one quoted argument of sh -c.
    const script = create.slice("sudo sh -c '".length, -1).replaceAll("'\\''", "'");
    assert.ok(script.includes(`mountpoint -q '${dataMountPath}' || { echo "${dataMountPath} is not a mount point: refusing`), script);
    for (const [dir, uid] of [["prometheus", containerUids.prometheus], ["alertmanager", containerUids.alertmanager], ["grafana", containerUids.grafana]] as const) {
        assert.ok(script.includes(`install -d -m 0750 -o ${uid} -g ${uid} '${dataMountPath}/${dir}'`), `${dir} for uid ${uid}`);
        const c = container(dir);
        const mounts = c?.inputs.volumes as Record<string, unknown>[];
        assert.ok(mounts.some((m) => m.hostPath === `${dataMountPath}/${dir}` && m.readOnly !== true), `${dir} writes to the volume`);
        assert.ok(c?.dependencies.includes(mount.urn), `${dir} starts after the mount`);
    }
    assert.deepEqual(byType(run, "docker:index/volume:Volume"), [], "no data in Docker volumes on the server's disk");
});

test("retentionSize defaults from the volume's size, with headroom", () => {
    const cmd = container("prometheus")?.inputs.command as string[];
    assert.ok(cmd.includes(`--storage.tsdb.retention.size=${retentionSizeForVolume(volumeGb)}`), cmd.join(" "));
    assert.equal(retentionSizeForVolume(volumeGb), "37GB");
});

test("the backup timer runs the rendered job every backupIntervalHours; its secrets are root-only files, nowhere else", () => {
    const timer = command("monitoring-backup-units-vps-monitoring-backup-prod.timer");
    assert.match(String(timer.inputs.stdin), /OnUnitActiveSec=6h/);
    const service = command("monitoring-backup-units-vps-monitoring-backup-prod.service");
    assert.match(String(service.inputs.stdin), /ExecStart=\/bin\/bash \/opt\/monitoring\/prod\/backup\/backup.sh/);
    const enable = command("monitoring-backup-enable");
    assert.match(String(enable.inputs.create), /systemctl enable --now vps-monitoring-backup-prod.timer/);

    const password = command("monitoring-backup-files-backup/secrets/password");
    assert.equal(password.inputs.stdin, backupPassword);
    assert.ok(password.secretInputs.includes("stdin"), "the password is a Pulumi secret");
    assert.match(String(password.inputs.create), /install -m 0400 -o 0 -g 0 \/dev\/stdin '\/opt\/monitoring\/prod\/backup\/secrets\/password'/);
    const keys = command("monitoring-backup-files-backup/secrets/s3-keys");
    assert.ok(keys.secretInputs.includes("stdin"));
    assert.match(String(keys.inputs.stdin), new RegExp(`AWS_SECRET_ACCESS_KEY=${s3Secret}`));
    assert.match(String(keys.inputs.create), /install -m 0400 -o 0 -g 0 /);

    const script = String(command("monitoring-backup-files-backup/backup.sh").inputs.stdin);
    assert.match(script, /export RESTIC_PASSWORD_FILE='\/opt\/monitoring\/prod\/backup\/secrets\/password'/);
    assert.match(script, /done < '\/opt\/monitoring\/prod\/backup\/secrets\/s3-keys'/);
    // Neither secret in any other resource: not the scripts, units, containers or commands.
    const elsewhere = run.resources.filter((r) => r !== password && r !== keys && JSON.stringify(r.inputs).match(new RegExp(`${backupPassword}|${s3Secret}`)));
    assert.deepEqual(elsewhere.map((r) => r.name), []);
});

test("with a backup, Prometheus takes snapshots through its admin API on loopback and node-exporter reads the job's metrics", () => {
    const prometheus = container("prometheus");
    assert.ok((prometheus?.inputs.command as string[]).includes("--web.enable-admin-api"));
    for (const p of prometheus?.inputs.ports as Record<string, unknown>[]) assert.equal(p.ip, "127.0.0.1");
    const node = container("node-exporter");
    assert.ok((node?.inputs.command as string[]).includes("--collector.textfile.directory=/textfile"));
    assert.ok((node?.inputs.volumes as Record<string, unknown>[]).some((v) => v.hostPath === "/opt/monitoring/prod/textfile" && v.containerPath === "/textfile" && v.readOnly === true));
});

test("every container waits for its image upgrade, which runs on an image change and recreates the container as Pulumi does", () => {
    for (const c of byType(run, "docker:index/container:Container")) {
        const name = String(c.inputs.name);
        const upgrade = run.resources.find((r) => r.type === "command:remote:Command" && c.dependencies.includes(r.urn) && r.name.endsWith("-upgrade"));
        assert.ok(upgrade, `${name} does not wait for an upgrade command`);
        assert.equal((upgrade.inputs.triggers as unknown[]).length, 1, "it runs when the image changes");
        assert.equal(upgrade.inputs.logging, "stderr", "pulumi up shows whether it upgraded or rolled back");
        const script = String(upgrade.inputs.create);
        assert.match(script, /rolled back: running the previous image/);
        // The recreated container: the same command line, loopback ports and mounts as the Container resource.
        for (const arg of (c.inputs.command as string[] | undefined) ?? []) assert.ok(script.includes(`'${arg}'`), `${name}: ${arg}`);
        for (const p of (c.inputs.ports as Record<string, unknown>[] | undefined) ?? []) assert.ok(script.includes(`-p '127.0.0.1:${String(p.external)}:${String(p.internal)}'`), `${name}: port ${String(p.external)}`);
        for (const v of (c.inputs.volumes as Record<string, unknown>[] | undefined) ?? []) {
            const source = String(v.hostPath ?? v.volumeName);
            assert.ok(script.includes(`-v '${source}:${String(v.containerPath)}${v.readOnly === true ? ":ro" : ""}'`), `${name}: mount ${source}`);
        }
        assert.ok(script.includes(`--memory ${String(c.inputs.memory)}m`), `${name}: memory`);
    }
});
