// npm run init -- <stack> [--dir <directory>]: writes Pulumi.<stack>.yaml from the annotated
// template (templates/Pulumi.stack.example.yaml) and lists the lines to change. Asks nothing,
// never overwrites an existing file.
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "../config/stackFiles";
import { linesToChange, stackFileFromTemplate, stackTemplateFile } from "../config/template";

export const initUsage = "usage: npm run init -- <stack> [--dir <directory>]   (writes <directory>/Pulumi.<stack>.yaml, default: the project directory)";

/** Writes the stack file; throws when it exists (nothing is overwritten) or the name is not a stack name. */
export function initStack(stack: string, dir = projectDir): { file: string; toChange: ReturnType<typeof linesToChange> } {
    const text = stackFileFromTemplate(fs.readFileSync(path.join(projectDir, stackTemplateFile), "utf8"), stack);
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    try {
        // "wx": created only if it does not exist, in one step.
        fs.writeFileSync(file, text, { flag: "wx" });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") {
            throw new Error(`${file} already exists; nothing was changed. Edit it, delete it first, or pick another stack name`);
        }
        throw e;
    }
    return { file, toChange: linesToChange(text) };
}

function parseArgs(args: readonly string[]): { stack: string; dir?: string } | undefined {
    const rest = [...args];
    let dir: string | undefined;
    const at = rest.indexOf("--dir");
    if (at >= 0) {
        dir = rest[at + 1];
        if (dir === undefined) return undefined;
        rest.splice(at, 2);
    }
    return rest.length === 1 && !rest[0].startsWith("-") ? { stack: rest[0], dir } : undefined;
}

if (require.main === module) {
    const args = parseArgs(process.argv.slice(2));
    if (!args) {
        console.error(initUsage);
        process.exit(2);
    }
    try {
        const { file, toChange } = initStack(args.stack, path.resolve(args.dir ?? projectDir));
        console.log(`wrote ${file}; change these ${toChange.length} lines (marked # CHANGE:):`);
        for (const c of toChange) console.log(`  line ${c.line}: ${c.text.trim()}\n      ${c.what}`);
        console.log(`then: pulumi stack init ${args.stack}, set the secrets listed at the top of the file, and pulumi up --stack ${args.stack} (README: Quick start)`);
    } catch (e) {
        console.error(e instanceof Error ? e.message : String(e));
        process.exit(1);
    }
}
