// Runs the real program under mocks in its own process and prints every registration as JSON:
// `node --import tsx test/dumpProgram.ts <stack> '<overrides JSON>'`. Used to compare two runs.
import { runProgram } from "./harness";

async function main(): Promise<void> {
    const [stack, overridesJson] = process.argv.slice(2);
    const overrides = JSON.parse(overridesJson ?? "{}") as Record<string, unknown>;
    const run = await runProgram(stack, overrides, Object.keys(overrides));
    process.stdout.write(JSON.stringify(run.resources));
}

main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
