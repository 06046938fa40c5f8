// Runs the real program under mocks for a stack file in any directory (with secrets standing in
// for `pulumi config set --secret`) and prints what a test needs as JSON:
// `node --import tsx test/runStackFile.ts <stack> <dir> '<secret values JSON>'`. The stack must
// have no Pulumi.<stack>.yaml in the project directory (the harness would read that one).
import { readProject, stackValues } from "../config/stackFiles";
import { runProgram } from "./harness";

async function main(): Promise<void> {
    const [stack, dir, secretsJson] = process.argv.slice(2);
    const secrets = JSON.parse(secretsJson ?? "{}") as Record<string, unknown>;
    const values = stackValues(readProject(), stack, dir);
    // A secret set with --path (receivers[0].botToken) lands inside its structured value.
    const merged: Record<string, unknown> = { ...values };
    for (const [path, value] of Object.entries(secrets)) {
        const m = /^(\w+)\[(\d+)\]\.(\w+)$/.exec(path);
        if (!m) {
            merged[path] = value;
            continue;
        }
        const list = [...(merged[m[1]] as Record<string, unknown>[])];
        list[Number(m[2])] = { ...list[Number(m[2])], [m[3]]: value };
        merged[m[1]] = list;
    }
    const secretKeys = Object.keys(secrets).map((p) => p.replace(/\[.*$/, ""));
    const run = await runProgram(stack, merged, secretKeys);
    process.stdout.write(JSON.stringify({ types: run.resources.map((r) => r.type), creates: run.resources.map((r) => String(r.inputs.create ?? "")), outputs: run.outputs }));
}

main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
