// The data-safety keys: the data volume by host mode, retentionSize from its size, the backup
// repository and its secrets, and the checks that tie BackupStale's threshold to the schedule.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { dataVolumeHeadroomGb, retentionSizeForVolume } from "../../model/dataSafety";
import { sizeBytes } from "../../config/units";
import { problemsIfRefused } from "../configProblems";

const hetzner = { hetznerSshKeyName: "deploy" };
const parse = (raw: Record<string, unknown>) => parseStackConfig("test", raw);
function problems(raw: Record<string, unknown>): readonly string[] {
    return problemsIfRefused(() => parse(raw)) ?? [];
}

test("retentionSizeForVolume leaves a fifth of the volume (at least 2 GB), counted in Prometheus' binary GB", () => {
    assert.equal(retentionSizeForVolume(10), "7GB"); // 8 GB usable = 7.45 GiB
    assert.equal(retentionSizeForVolume(20), "14GB"); // 16 GB = 14.9 GiB
    assert.equal(retentionSizeForVolume(100), "74GB"); // 80 GB = 74.5 GiB
    assert.equal(dataVolumeHeadroomGb(10), 2);
    assert.equal(dataVolumeHeadroomGb(100), 20);
    for (const gb of [10, 11, 20, 37, 100, 1000, 10240]) {
        const bytes = sizeBytes(retentionSizeForVolume(gb));
        assert.ok(bytes <= (gb - dataVolumeHeadroomGb(gb)) * 1e9, `${gb} GB: ${retentionSizeForVolume(gb)} exceeds the usable space`);
        assert.ok(bytes > (gb - dataVolumeHeadroomGb(gb)) * 1e9 - 2 ** 30, `${gb} GB: ${retentionSizeForVolume(gb)} wastes more than 1 GiB`);
    }
});

test("retentionSizeForVolume never answers 0GB (Prometheus reads that as no size limit): a volume without a whole GiB to spare is refused", () => {
    assert.equal(retentionSizeForVolume(4), "1GB"); // 2 GB usable = 1.86 GiB
    for (const gb of [1, 2, 3]) assert.throws(() => retentionSizeForVolume(gb), { message: `a ${gb} GB data volume leaves no room for Prometheus` });
});

test("a new Hetzner server gets a 20 GB data volume by default, and Prometheus' retention follows its size", () => {
    const c = parse(hetzner);
    assert.deepEqual(c.host.dataVolume, { sizeGb: 20 });
    assert.equal(c.monitoring.dataDir, "/srv/monitoring-data");
    assert.equal(c.monitoring.prometheus.retentionSize, "14GB");
    assert.equal(parse({ ...hetzner, dataVolumeGb: 100 }).monitoring.prometheus.retentionSize, "74GB");
    assert.equal(parse({ ...hetzner, retentionSize: "3GB" }).monitoring.prometheus.retentionSize, "3GB", "a set retentionSize wins");
});

test("without a volume (turned off, or a host the program does not create) data stays in Docker volumes and retention defaults to 5GB", () => {
    for (const raw of [{ ...hetzner, dataVolume: false }, { hostMode: "ssh", sshHost: "10.0.0.2" }, { hostMode: "hetzner-existing", hetznerServerId: "42" }]) {
        const c = parse(raw);
        assert.equal(c.host.dataVolume, undefined, JSON.stringify(raw));
        assert.equal(c.monitoring.dataDir, undefined);
        assert.equal(c.monitoring.prometheus.retentionSize, "5GB");
    }
});

test("a retentionSize that does not fit the volume is refused with the largest that does", () => {
    assert.deepEqual(problems({ ...hetzner, retentionSize: "17GB" }),
        ["retentionSize: 17GB does not fit the 20 GB data volume, which must keep 4 GB for Grafana, Alertmanager, backup snapshots and compaction; set it to at most 14GB (or unset it), or raise dataVolumeGb"]);
    assert.deepEqual(problems({ ...hetzner, dataVolumeGb: 5 }), ["dataVolumeGb: 5 is not a whole number from 10 to 10240"]);
});

test("a backup repository needs its password, and an S3 one its keys; keys without a repository are refused", () => {
    const repo = "s3:https://fsn1.your-objectstorage.com/bucket/prod";
    assert.deepEqual(problems({ ...hetzner, backupRepository: repo }).map((p) => p.split(":")[0]), ["backupPassword", "backupS3AccessKeyId", "backupS3SecretAccessKey"]);
    const c = parse({ ...hetzner, backupRepository: repo, backupPassword: "pw", backupS3AccessKeyId: "id", backupS3SecretAccessKey: "sk" });
    assert.deepEqual(c.monitoring.backup, {
        repository: repo, password: "pw", intervalHours: 24, keep: { daily: 7, weekly: 4, monthly: 6 }, s3: { accessKeyId: "id", secretAccessKey: "sk" },
    });
    assert.equal(parse({ ...hetzner, backupRepository: "/srv/restic", backupPassword: "pw" }).monitoring.backup?.s3, undefined);
    assert.match(problems({ ...hetzner, backupRepository: "/srv/restic", backupPassword: "pw", backupS3AccessKeyId: "id" })[0], /^backupS3AccessKeyId: S3 keys are only read for an s3: backupRepository/);
    assert.match(problems({ ...hetzner, backupPassword: "pw" })[0], /^backupRepository: backup credentials are set but no repository/);
    assert.match(problems({ ...hetzner, backupRepository: "bucket/prod", backupPassword: "pw" })[0], /^backupRepository: "bucket\/prod" is not a restic repository this job can reach/);
    assert.equal(parse(hetzner).monitoring.backup, undefined, "no repository, no job");
});

test("BackupStale's threshold must exceed the backup interval, or every backup would be stale", () => {
    const base = { ...hetzner, backupRepository: "/srv/restic", backupPassword: "pw" };
    assert.deepEqual(problems({ ...base, backupIntervalHours: 24 }), []);
    assert.match(problems({ ...base, backupIntervalHours: 48 })[0], /^alertThresholds.backupMaxAgeHours: 26 h would call every backup stale, since one runs every 48 h/);
    assert.deepEqual(problems({ ...base, backupIntervalHours: 48, alertThresholds: { backupMaxAgeHours: 50 } }), []);
});

test("Hetzner's server backups only for a server the program creates", () => {
    assert.equal(parse({ ...hetzner, hetznerBackups: true }).host.hetznerBackups, true);
    assert.match(problems({ hostMode: "ssh", sshHost: "10.0.0.2", hetznerBackups: true })[0], /^hetznerBackups: only a server this program creates/);
});

test("retention: at least one snapshot kept, by any one of daily, weekly or monthly", () => {
    const backup = { ...hetzner, backupRepository: "/srv/backup", backupPassword: "long random text" };
    assert.deepEqual(problems({ ...backup, backupKeepDaily: 0, backupKeepWeekly: 0, backupKeepMonthly: 0 }),
        ["backupKeepDaily: keep at least one snapshot (backupKeepDaily, backupKeepWeekly or backupKeepMonthly above 0)"]);
    assert.deepEqual(parse({ ...backup, backupKeepDaily: 0, backupKeepWeekly: 0, backupKeepMonthly: 1 }).monitoring.backup?.keep, { daily: 0, weekly: 0, monthly: 1 });
    assert.deepEqual(parse({ ...backup, backupKeepDaily: 0, backupKeepWeekly: 1, backupKeepMonthly: 0 }).monitoring.backup?.keep, { daily: 0, weekly: 1, monthly: 0 });
});

test("npm run render without the backup secrets: the password and the S3 secret key are empty, the key id kept", () => {
    const c = parseStackConfig("test", { ...hetzner, backupRepository: "s3:https://fsn1.your-objectstorage.com/bucket/test", backupS3AccessKeyId: "AKID" }, { withoutSecrets: true });
    assert.equal(c.monitoring.backup?.password, "");
    assert.deepEqual(c.monitoring.backup?.s3, { accessKeyId: "AKID", secretAccessKey: "" });
});

test("S3 keys alone are named: either one without an s3: repository, or without any repository", () => {
    const local = { ...hetzner, backupRepository: "/srv/backup", backupPassword: "long random text" };
    const onlyS3 = "backupS3AccessKeyId: S3 keys are only read for an s3: backupRepository; remove them";
    assert.deepEqual(problems({ ...local, backupS3AccessKeyId: "AKID" }), [onlyS3]);
    assert.deepEqual(problems({ ...local, backupS3SecretAccessKey: "secret" }), [onlyS3]);
    const noRepository = "backupRepository: backup credentials are set but no repository; set backupRepository or remove them";
    assert.deepEqual(problems({ ...hetzner, backupS3AccessKeyId: "AKID" }), [noRepository]);
    assert.deepEqual(problems({ ...hetzner, backupS3SecretAccessKey: "secret" }), [noRepository]);
    assert.deepEqual(problems({ ...hetzner, backupPassword: "long random text" }), [noRepository]);
});
