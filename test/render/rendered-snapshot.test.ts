// Every committed stack renders exactly what test/rendered-snapshot.json pins (file by file and
// container by container). A refactoring must leave it untouched; a deliberate change regenerates
// it with `npm run snapshot` and says so in its commit.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import { snapshot, snapshotFile, type Snapshot } from "../../scripts/snapshot";

test("every committed stack renders the files and containers the snapshot pins", () => {
    const pinned = JSON.parse(fs.readFileSync(snapshotFile, "utf8")) as Snapshot;
    assert.deepEqual(snapshot(), pinned, "rendered output changed: if deliberate, run `npm run snapshot` and name the change in the commit");
});
