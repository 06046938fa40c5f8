// The data volume on the host: where Hetzner exposes it, how cloud-init mounts it on a new server
// (before Docker can start), and the script that mounts it on any server (a replacement, or one
// created before the volume) and makes each service's data directory with its owner. Pure text.
import { dataMountPath } from "../model/dataSafety";
import { shellQuote } from "./hostCommands";
import { allServiceSpecs, type ServiceInstance, type ServiceSpec } from "../model/services";
import type { MonitoringConfig } from "../model/stack";

/** Hetzner's stable device name of a volume (linuxDevice of the API), from its id. */
export function volumeDevicePath(volumeId: string | number): string {
    return `/dev/disk/by-id/scsi-0HC_Volume_${volumeId}`;
}

/**
 * fstab options: nofail (a missing volume does not stop the boot, so SSH still comes up to fix
 * it), and systemd waits up to 5 minutes for the device, which a new server gets attached
 * seconds to a minute after its first boot.
 */
export const dataMountOptions = "defaults,discard,nofail,x-systemd.device-timeout=300";

/** Docker starts only with the volume mounted: never on the empty mount point of the root disk. */
export const dockerDataVolumeDropInPath = "/etc/systemd/system/docker.service.d/20-data-volume.conf";
export const dockerDataVolumeDropIn = `[Unit]\nRequiresMountsFor=${dataMountPath}\n`;

/** cloud-init `mounts` entry for the volume at dataMountPath. */
export function dataVolumeMount(device: string): string[] {
    return [device, dataMountPath, "ext4", dataMountOptions, "0", "2"];
}

export interface DataDir {
    /** Directory below dataMountPath. */
    readonly name: string;
    /** Numeric uid (and gid) of the container user that writes it. */
    readonly uid: number;
    /**
     * Where the data lived before the volume (a stack that turns the volume on): Docker volumes
     * to copy from, the first that exists, while the container that writes them is stopped.
     */
    readonly migrateFrom?: { readonly volumes: readonly string[]; readonly container: string };
}

/** The data directory of one container, on the volume; undefined when the stack keeps data in Docker volumes. */
export function serviceDataDir(m: MonitoringConfig, spec: Pick<ServiceSpec, "dataPath">, instance: ServiceInstance): string | undefined {
    return m.dataDir !== undefined && spec.dataPath !== undefined ? `${m.dataDir}/${instance.names.alias}` : undefined;
}

/** Every service's data directory on the volume, with the uid its container writes as. */
export function serviceDataDirs(m: MonitoringConfig): DataDir[] {
    return allServiceSpecs.filter((spec) => spec.dataPath !== undefined)
        .flatMap((spec) => spec.instances(m).map((instance) => ({
            name: instance.names.alias, uid: spec.uid,
            // Per-stack volume names, and the names of stacks deployed before them (model/names.ts).
            migrateFrom: { volumes: [instance.names.volume, `monitoring-${instance.names.alias}-data`], container: instance.names.container },
        })));
}

/**
 * Runs as root (the caller wraps it in sudo): waits for the device, adds the fstab line when it
 * is missing, mounts, refuses to go on unless dataMountPath really is a mount point (so no
 * service writes its history to the root disk), then creates each data directory with its owner.
 * Idempotent: a second run changes nothing.
 */
export function dataMountScript(device: string, dirs: readonly DataDir[],
    /** Where fstab and the mount point are: the host's, except in tests. */
    paths: { readonly fstab: string; readonly mount: string; readonly dockerDropIn: string } =
    { fstab: "/etc/fstab", mount: dataMountPath, dockerDropIn: dockerDataVolumeDropInPath }): string {
    const dev = shellQuote(device);
    const mnt = shellQuote(paths.mount);
    const fstabFile = shellQuote(paths.fstab);
    const fstab = shellQuote([device, paths.mount, ...dataVolumeMount(device).slice(2)].join(" "));
    const dataDirPath = (name: string) => `${paths.mount}/${name}`;
    const makeDirs = dirs.flatMap((d) => {
        const dir = shellQuote(dataDirPath(d.name));
        const make = `install -d -m 0750 -o ${d.uid} -g ${d.uid} ${dir}`;
        if (!d.migrateFrom) return [make];
        // Once, into an empty directory: the history of a stack that kept it in Docker volumes.
        const volumes = d.migrateFrom.volumes.map(shellQuote).join(" ");
        return [make, [
            `if [ -z "$(ls -A ${dir})" ]; then`,
            `  for v in ${volumes}; do`,
            `    src=$(docker volume inspect -f '{{.Mountpoint}}' "$v" 2>/dev/null) || continue`,
            `    docker stop ${shellQuote(d.migrateFrom.container)} >/dev/null 2>&1 || true`,
            `    cp -a "$src/." ${dir}/ && chown -R ${d.uid}:${d.uid} ${dir}`,
            `    echo "copied the data of Docker volume $v to ${dataDirPath(d.name)} (the volume itself is kept)" >&2`,
            "    break",
            "  done",
            "fi",
        ].join("\n")];
    });
    return [
        "set -eu",
        `i=0; until [ -b ${dev} ]; do i=$((i + 1)); if [ "$i" -gt 300 ]; then echo "the data volume ${device} is not attached" >&2; exit 1; fi; sleep 1; done`,
        `grep -qs ${shellQuote(` ${paths.mount} `)} ${fstabFile} || printf '%s\\n' ${fstab} >> ${fstabFile}`,
        // What cloud-init gives a new server, for one created before the volume: Docker waits for the mount at boot.
        `if [ ! -f ${shellQuote(paths.dockerDropIn)} ]; then install -d -m 0755 "$(dirname ${shellQuote(paths.dockerDropIn)})"; printf '%s' ${shellQuote(dockerDataVolumeDropIn.replace(dataMountPath, paths.mount))} > ${shellQuote(paths.dockerDropIn)}; systemctl daemon-reload; fi`,
        `install -d -m 0755 ${mnt}`,
        // A failed mount is reported by the check below, with what it means.
        `mountpoint -q ${mnt} || mount ${mnt} || true`,
        `mountpoint -q ${mnt} || { echo "${paths.mount} is not a mount point: refusing to put the data on the root disk" >&2; exit 1; }`,
        ...makeDirs,
    ].join("\n") + "\n";
}
