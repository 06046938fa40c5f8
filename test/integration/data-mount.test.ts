// The data volume's mount script (render/dataVolume.ts) run with bash, as root, against a scratch
// fstab and mount point: `mountpoint`, `mount` and `docker` are stand-ins first on PATH, and a
// loop device stands in for the volume. It adds the fstab line once, refuses to go on when the
// volume is not mounted, makes each data directory for its container's user, and copies a stack's
// existing Docker volume into it once, with the container stopped.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { dataMountScript, type DataDir } from "../../render/dataVolume";
import { prerequisiteMissing } from "../externalTools";

const device = "/dev/loop0";

function setUp(t: { after(fn: () => void): void }, mountWorks: boolean) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "data-mount-"));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const bin = path.join(root, "bin");
    const mount = path.join(root, "srv/monitoring-data");
    const oldVolume = path.join(root, "docker-volumes/prometheus");
    const log = path.join(root, "log");
    fs.mkdirSync(bin, { recursive: true });
    fs.mkdirSync(path.join(oldVolume, "01BLOCK"), { recursive: true });
    fs.writeFileSync(path.join(oldVolume, "01BLOCK", "index"), "history from the Docker volume");
    fs.writeFileSync(path.join(root, "fstab"), "UUID=root / ext4 defaults 0 1\n");
    const mounted = path.join(root, "mounted");
    fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\necho "systemctl $*" >> ${log}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "mountpoint"), `#!/bin/sh\n[ -f ${mounted} ]\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "mount"), `#!/bin/sh\necho "mount $*" >> ${log}\n${mountWorks ? `touch ${mounted}` : "exit 32"}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh
echo "docker $*" >> ${log}
case "$*" in
  "volume inspect -f {{.Mountpoint}} monitoring-prod-prometheus-data") echo ${oldVolume} ;;
  "volume inspect"*) exit 1 ;;
esac
`, { mode: 0o755 });
    return { root, bin, mount, oldVolume, log, fstab: path.join(root, "fstab"), dockerDropIn: path.join(root, "docker.service.d/20-data-volume.conf") };
}

const dirs: DataDir[] = [
    { name: "prometheus", uid: 65534, migrateFrom: { volumes: ["monitoring-prod-prometheus-data", "monitoring-prometheus-data"], container: "monitoring-prod-prometheus" } },
    { name: "grafana", uid: 472, migrateFrom: { volumes: ["monitoring-prod-grafana-data", "monitoring-grafana-data"], container: "monitoring-prod-grafana" } },
];

function run(env: ReturnType<typeof setUp>) {
    const script = dataMountScript(device, dirs, { fstab: env.fstab, mount: env.mount, dockerDropIn: env.dockerDropIn });
    return spawnSync("sh", ["-c", script], { encoding: "utf8", env: { PATH: `${env.bin}:${process.env.PATH ?? ""}` } });
}

function usable(t: { skip(m?: string): void }): boolean {
    if (process.getuid?.() !== 0 || !fs.existsSync(device)) {
        prerequisiteMissing(t, `needs root and the block device ${device}`);
        return false;
    }
    return true;
}

test("the first run mounts the volume, makes the data directories and moves a stack's Docker volume onto it; a second run changes nothing", (t) => {
    if (!usable(t)) return;
    const env = setUp(t, true);
    const first = run(env);
    assert.equal(first.status, 0, first.stderr);
    const fstab = fs.readFileSync(env.fstab, "utf8");
    assert.equal(fstab, `UUID=root / ext4 defaults 0 1\n${device} ${env.mount} ext4 defaults,discard,nofail,x-systemd.device-timeout=300 0 2\n`);
    assert.equal(fs.statSync(path.join(env.mount, "prometheus")).uid, 65534);
    assert.equal(fs.statSync(path.join(env.mount, "grafana")).uid, 472);
    assert.equal(fs.readFileSync(path.join(env.mount, "prometheus/01BLOCK/index"), "utf8"), "history from the Docker volume");
    assert.equal(fs.statSync(path.join(env.mount, "prometheus/01BLOCK/index")).uid, 65534);
    assert.match(first.stderr, /copied the data of Docker volume monitoring-prod-prometheus-data/);
    const log = fs.readFileSync(env.log, "utf8");
    assert.match(log, /docker stop monitoring-prod-prometheus\n/, "copied with the container stopped");
    assert.doesNotMatch(log, /docker stop monitoring-prod-grafana/, "no volume to copy, nothing stopped");
    assert.equal(fs.readFileSync(env.dockerDropIn, "utf8"), `[Unit]\nRequiresMountsFor=${env.mount}\n`, "Docker waits for the volume at boot");
    assert.match(log, /systemctl daemon-reload/);

    fs.writeFileSync(path.join(env.oldVolume, "01BLOCK", "index"), "written later to the old volume");
    fs.writeFileSync(path.join(env.root, "log"), "");
    const second = run(env);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(fs.readFileSync(env.fstab, "utf8"), fstab, "the fstab line is added once");
    assert.equal(fs.readFileSync(path.join(env.mount, "prometheus/01BLOCK/index"), "utf8"), "history from the Docker volume", "copied once");
    assert.doesNotMatch(fs.readFileSync(env.log, "utf8"), /docker stop|mount |systemctl/);
});

test("when the volume cannot be mounted, nothing is written to the mount point", (t) => {
    if (!usable(t)) return;
    const env = setUp(t, false);
    const r = run(env);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${env.mount} is not a mount point: refusing to put the data on the root disk`));
    assert.deepEqual(fs.readdirSync(env.mount), []);
});
