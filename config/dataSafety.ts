// The data-safety keys: the Hetzner data volume (dataVolume, dataVolumeGb), Hetzner's own server
// backups (hetznerBackups), and the restic backup job (backup*). Read by parseStackConfig with its
// Reader, so unknown keys and every problem are reported together with the rest.
import { type BackupConfig, type DataVolumeConfig, hetznerVolumeGb, isS3Repository, retentionSizeForVolume } from "../model/dataSafety";
import type { HostMode } from "../model/stack";
import type { Reader } from "./parse";

export interface DataSafetyConfig {
    /** The data volume of a new Hetzner server; undefined for other modes or when turned off. */
    readonly dataVolume?: DataVolumeConfig;
    readonly hetznerBackups: boolean;
    readonly backup?: BackupConfig;
}

/** Keys holding credentials (added to parse.ts's secretKeys). */
export const dataSafetySecretKeys = ["backupPassword", "backupS3SecretAccessKey"] as const;

/** restic repository forms this job supports; each needs nothing besides the password (and S3 keys). */
const repositoryPattern = /^(s3:https?:\/\/[^\s/]+\/[^\s]+|sftp:[^\s]+|rest:https?:\/\/[^\s]+|\/[^\s]*)$/;

export function parseDataSafety(r: Reader, mode: HostMode, options: { readonly withoutSecrets?: boolean }): DataSafetyConfig {
    const volumeOn = r.boolean("dataVolume", true);
    const sizeGb = r.integer("dataVolumeGb", 20, hetznerVolumeGb.min, hetznerVolumeGb.max);
    const hetznerBackups = r.boolean("hetznerBackups", false);
    r.check(!hetznerBackups || mode === "hetzner",
        `hetznerBackups: only a server this program creates (hostMode hetzner) can have Hetzner's backups turned on here; enable them in the Hetzner console for an adopted server`);

    const repository = r.string("backupRepository", "");
    const password = r.optionalString("backupPassword");
    const accessKeyId = r.optionalString("backupS3AccessKeyId");
    const secretAccessKey = r.optionalString("backupS3SecretAccessKey");
    const intervalHours = r.integer("backupIntervalHours", 24, 1, 168);
    const keep = {
        daily: r.integer("backupKeepDaily", 7, 0, 366),
        weekly: r.integer("backupKeepWeekly", 4, 0, 520),
        monthly: r.integer("backupKeepMonthly", 6, 0, 120),
    };
    let backup: BackupConfig | undefined;
    if (repository !== "") {
        r.check(repositoryPattern.test(repository),
            `backupRepository: "${repository}" is not a restic repository this job can reach; write it like s3:https://fsn1.your-objectstorage.com/<bucket>/<stack>, sftp:user@host:/path, rest:https://host/ or an absolute path on the host`);
        const secretMissing = (v: string | undefined) => v === undefined && !options.withoutSecrets;
        r.check(!secretMissing(password), "backupPassword: a backup repository needs its password; set it with `pulumi config set --secret backupPassword <long random text>` and keep a copy outside this stack (without it no backup can be read)");
        const s3 = isS3Repository(repository);
        r.check(!s3 || accessKeyId !== undefined, "backupS3AccessKeyId: an s3: repository needs the access key id of the bucket's credentials");
        r.check(!s3 || !secretMissing(secretAccessKey), "backupS3SecretAccessKey: an s3: repository needs the secret key; set it with `pulumi config set --secret backupS3SecretAccessKey …`");
        r.check(s3 || (accessKeyId === undefined && secretAccessKey === undefined), "backupS3AccessKeyId: S3 keys are only read for an s3: backupRepository; remove them");
        r.check(keep.daily + keep.weekly + keep.monthly > 0, "backupKeepDaily: keep at least one snapshot (backupKeepDaily, backupKeepWeekly or backupKeepMonthly above 0)");
        backup = {
            repository, password: password ?? "", intervalHours, keep,
            s3: s3 ? { accessKeyId: accessKeyId ?? "", secretAccessKey: secretAccessKey ?? "" } : undefined,
        };
    } else {
        r.check(password === undefined && accessKeyId === undefined && secretAccessKey === undefined,
            "backupRepository: backup credentials are set but no repository; set backupRepository or remove them");
    }
    return { dataVolume: volumeOn && mode === "hetzner" ? { sizeGb } : undefined, hetznerBackups, backup };
}

/** retentionSize when the stack sets none: from the data volume's size, else 5GB. */
export function defaultRetentionSize(dataVolume: DataVolumeConfig | undefined): string {
    return dataVolume ? retentionSizeForVolume(dataVolume.sizeGb) : "5GB";
}
