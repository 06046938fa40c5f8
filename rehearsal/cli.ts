// npm run rehearse -- <stack> [timeScale]: runs the stack's rendered configuration with Debian's
// binaries on 127.0.0.1 (see harness.ts), prints the URLs and a menu of faults to inject
// (faults.ts), and shows every page as its receiver would get it (pages.ts) until q or Ctrl-C.
import * as readline from "node:readline";
import { faultActions, menuText, pressKey, standInReceiver, startStackRehearsal } from "./faults";
import { formatPage, pagesSoFar } from "./pages";

export const rehearseUsage = "usage: npm run rehearse -- <stack> [timeScale]   (e.g. npm run rehearse -- local 10: the stack's Pulumi.<stack>.yaml, every interval divided by 10)";

async function main(): Promise<void> {
    const [stack, scaleText = "1", ...extra] = process.argv.slice(2);
    if (stack === undefined || stack.startsWith("-") || extra.length > 0) {
        console.error(rehearseUsage);
        process.exit(2);
    }
    const timeScale = Number(scaleText);
    if (!(timeScale >= 1)) throw new Error(`time scale must be a number >= 1, got ${scaleText}`);
    const { rehearsal, standIn } = await startStackRehearsal(stack, timeScale, (line) => console.log(line));
    console.log(`\nRehearsal of stack ${stack} (time scale ${timeScale}), everything on 127.0.0.1:`);
    for (const [name, url] of Object.entries(rehearsal.urls)) console.log(`  ${name.padEnd(22)} ${url}`);
    if (standIn) {
        console.log(`\nStack ${stack} has no receivers, so its pages would reach nobody; this rehearsal adds a stand-in ` +
            `Telegram receiver (${standInReceiver.severities.join(", ")}) to show them. Add yours under receivers in Pulumi.${stack}.yaml.`);
    }
    const faults = faultActions(rehearsal);
    console.log(`\n${menuText(faults)}\nPages appear below as the receivers get them.`);

    let shown = 0;
    const timer = setInterval(() => {
        const pages = pagesSoFar(rehearsal.fakes, rehearsal.smtp);
        for (const p of pages.slice(shown)) console.log(formatPage(p));
        shown = pages.length;
    }, 500);
    let stopping = false;
    const shutdown = (): void => {
        if (stopping) return;
        stopping = true;
        clearInterval(timer);
        console.log("\nstopping…");
        rehearsal.stop().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
    const input = readline.createInterface({ input: process.stdin });
    input.on("line", (line) => {
        if (line.trim() === "q") return shutdown();
        if (line.trim() === "") return console.log(menuText(faults));
        pressKey(faults, line).then((done) => console.log(done), (e: unknown) => console.error(`the fault failed: ${e instanceof Error ? e.message : String(e)}`));
    });
}

if (require.main === module) {
    main().catch((e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}
