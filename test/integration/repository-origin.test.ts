// runbookBaseUrl's default at program time: the git remote of the clone the program runs from,
// read with git (config/program.ts), then derived purely (config/runbooks.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { repositoryOrigin } from "../../config/program";
import { runbookBaseFromRemote } from "../../config/runbooks";
import { runTool, toolAvailable } from "../externalTools";
import { inTempDir } from "../tempDir";

test("a clone's origin and default branch give the runbooks' web address; no remote or no repository gives none", (t) => {
    if (!toolAvailable(t, "git")) return;
    inTempDir("origin", (dir) => {
        assert.equal(repositoryOrigin(dir), undefined, "not a repository");
        runTool("git", ["-C", dir, "init", "-q"]);
        assert.equal(repositoryOrigin(dir), undefined, "a repository without origin");
        runTool("git", ["-C", dir, "remote", "add", "origin", "git@github.com:acme/monitoring.git"]);
        assert.deepEqual(repositoryOrigin(dir), { remoteUrl: "git@github.com:acme/monitoring.git", defaultBranch: undefined });
        // What `git clone` records: origin/HEAD names the remote's default branch.
        runTool("git", ["-C", dir, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk"]);
        const origin = repositoryOrigin(dir);
        assert.deepEqual(origin, { remoteUrl: "git@github.com:acme/monitoring.git", defaultBranch: "trunk" });
        assert.equal(origin && runbookBaseFromRemote(origin), "https://github.com/acme/monitoring/blob/trunk/docs/runbooks.md");
    });
});
