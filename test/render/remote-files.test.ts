// The shell text that writes a config file on the host, run for real with bash in a temporary
// directory: the mode and owner the README promises (secrets 0400, other files 0444, both owned by
// the service's uid) are what the file gets, not only what the text says.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { containerUids } from "../../model/catalog";
import { deployedPath, yamlText } from "../../render/files";
import { contentDigest, deleteFileCommand, writeFileCommand } from "../../render/hostCommands";
import { inTempDir } from "../tempDir";

/** The one place that knows how a file write is rendered: re-point it when that function changes. */
const renderWrite = (file: string, owner: number, secret: boolean): string => writeFileCommand(file, owner, secret);

const isRoot = process.getuid?.() === 0;

/**
 * Runs `script` with `content` on stdin. `sudo` is a shim that runs its arguments (the test never
 * elevates); without root, an `install` shim drops -o/-g so the write still happens as this user.
 */
function runWrite(dir: string, script: string, content: string): void {
    const shims = path.join(dir, "shims");
    fs.mkdirSync(shims);
    fs.writeFileSync(path.join(shims, "sudo"), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    if (!isRoot) {
        fs.writeFileSync(path.join(shims, "install"), [
            "#!/bin/bash",
            "args=()",
            'while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done',
            'exec /usr/bin/install "${args[@]}"',
        ].join("\n") + "\n", { mode: 0o755 });
    }
    // stdin through a real pipe, as over SSH: node's own stdio pipes are sockets, which /dev/stdin cannot open.
    const input = path.join(dir, "stdin");
    fs.writeFileSync(input, content);
    const result = spawnSync("bash", ["-c", 'cat "$1" | bash -c "$2"', "write", input, script],
        { encoding: "utf8", env: { ...process.env, PATH: `${shims}:${process.env.PATH ?? ""}` } });
    assert.equal(result.status, 0, `the write failed:\n${script}\n${result.stderr}`);
}

const cases = [
    { what: "a secret file", secret: true, mode: 0o400, owner: containerUids.alertmanager, relative: "alertmanager/secrets/chat-bot_token", content: "123:token\n" },
    { what: "a config file", secret: false, mode: 0o444, owner: containerUids.prometheus, relative: "prometheus/prometheus.yml", content: "global: {}\n" },
    // Quoting: a configRoot with a space and a quote still lands where it says.
    { what: "a file below an awkward path", secret: false, mode: 0o444, owner: containerUids.grafana, relative: "it's here/grafana/x.json", content: "{}" },
];

for (const c of cases) {
    test(`the rendered write command creates ${c.what} with mode ${c.mode.toString(8).padStart(4, "0")}${isRoot ? ` owned by ${c.owner}` : ""}`, () => {
        inTempDir("remote-files", (dir) => {
            const target = path.join(dir, "root", c.relative);
            runWrite(dir, renderWrite(target, c.owner, c.secret), c.content);
            const stat = fs.statSync(target);
            assert.equal((stat.mode & 0o7777).toString(8), c.mode.toString(8), `mode of ${c.relative}`);
            assert.equal(fs.readFileSync(target, "utf8"), c.content);
            // CI runs as root, so there the owner is checked too.
            if (isRoot) assert.deepEqual([stat.uid, stat.gid], [c.owner, c.owner], `owner of ${c.relative}`);
            assert.equal(fs.statSync(path.dirname(target)).mode & 0o777, 0o755, "its directory is searchable by the service");
            assert.deepEqual(fs.readdirSync(path.dirname(target)), [path.basename(target)], "no temporary file is left behind");
        });
    });
}

test("a rewrite replaces the content and keeps the mode of a secret", () => {
    inTempDir("remote-files", (dir) => {
        const target = path.join(dir, "root", "alertmanager/secrets/x");
        runWrite(dir, renderWrite(target, containerUids.alertmanager, true), "old");
        for (const scratch of ["shims", "stdin"]) fs.rmSync(path.join(dir, scratch), { recursive: true });
        runWrite(dir, renderWrite(target, containerUids.alertmanager, true), "new");
        assert.equal(fs.readFileSync(target, "utf8"), "new");
        assert.equal(fs.statSync(target).mode & 0o7777, 0o400);
    });
});

test("a released service's file is read through its current release, any other file where it was written", () => {
    assert.equal(deployedPath("/opt/m", { path: "prometheus/prometheus.yml" }, "current"), "/opt/m/prometheus/current/prometheus.yml");
    assert.equal(deployedPath("/opt/m", { path: "redis-exporter/cache/secrets/password.json" }, "current"), "/opt/m/redis-exporter/cache/secrets/password.json");
});

test("an object used twice in a config is written out twice, never as a YAML anchor and alias", () => {
    const shared = { targets: ["a:1"] };
    assert.equal(yamlText({ first: shared, second: shared }), "first:\n  targets:\n    - a:1\nsecond:\n  targets:\n    - a:1\n");
});

test("deleting a written file removes it, below an awkward path too, and deleting it again is not an error", () => {
    inTempDir("remote-files", (dir) => {
        const target = path.join(dir, "root", "it's here/grafana/x.json");
        runWrite(dir, renderWrite(target, containerUids.grafana, false), "{}");
        const shims = { ...process.env, PATH: `${path.join(dir, "shims")}:${process.env.PATH ?? ""}` };
        for (let i = 0; i < 2; i++) {
            const r = spawnSync("bash", ["-c", deleteFileCommand(target)], { encoding: "utf8", env: shims });
            assert.equal(r.status, 0, r.stderr);
        }
        assert.ok(!fs.existsSync(target));
        assert.deepEqual(fs.readdirSync(path.dirname(target)), []);
    });
});

test("the digest that triggers a reload is a sha256 that changes with any file's content, also when text moves between files", () => {
    const digest = contentDigest(["global: {}\n", "groups: []\n"]);
    assert.match(digest, /^[0-9a-f]{64}$/);
    assert.equal(contentDigest(["global: {}\n", "groups: []\n"]), digest, "the same files, the same digest: no reload");
    assert.notEqual(contentDigest(["global: {}\n", "groups: [x]\n"]), digest);
    assert.notEqual(contentDigest(["ab", "c"]), contentDigest(["a", "bc"]), "file boundaries count");
});
