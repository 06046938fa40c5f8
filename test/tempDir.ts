// A temporary directory for one check, removed afterwards whatever the check does.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export function inTempDir<T>(prefix: string, check: (dir: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    try {
        return check(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
