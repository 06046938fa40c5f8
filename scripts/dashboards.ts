// Writes the dashboards of dashboards/src for the default alert thresholds to
// dashboards/<Folder>/<name>.json: the committed reference, which the tests and the rehearsal read
// (deploys build them again with the stack's thresholds). Run: npm run dashboards
import * as fs from "fs";
import * as path from "path";
import { defaultThresholds } from "../model/alerts";
import { dashboardsDir } from "../config/stackFiles";
import { dashboardFiles } from "../dashboards/src";

function main(): void {
    for (const file of dashboardFiles(defaultThresholds)) {
        const target = path.join(dashboardsDir, file.relativePath);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, file.content);
        console.log(`wrote dashboards/${file.relativePath}`);
    }
}

if (require.main === module) main();
