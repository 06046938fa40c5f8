// npm run rehearse -- <stack> [timeScale]: runs the stack's rendered configuration with Debian's
// binaries on 127.0.0.1 (see harness.ts) and prints the URLs until Ctrl-C.
import { startRehearsal } from "./harness";

async function main(): Promise<void> {
    const [stack = "prod", scaleText = "1"] = process.argv.slice(2);
    const timeScale = Number(scaleText);
    if (!(timeScale >= 1)) throw new Error(`time scale must be a number >= 1, got ${scaleText}`);
    // Real host metrics here: the host alerts judge this machine, as they would judge the server.
    const rehearsal = await startRehearsal({ stack, timeScale, hostMetrics: "node-exporter", log: (line) => console.log(line) });
    console.log(`\nRehearsal of stack ${stack} (time scale ${timeScale}); Ctrl-C stops everything.`);
    for (const [name, url] of Object.entries(rehearsal.urls)) console.log(`  ${name.padEnd(22)} ${url}`);
    console.log("  notifications (fake receivers) are printed below as they arrive");
    let seen = 0;
    let mailed = 0;
    const timer = setInterval(() => {
        for (const r of rehearsal.fakes.requests.slice(seen)) console.log(`${new Date(r.at).toISOString()} ${r.method} ${r.path} → ${r.status}: ${r.body.slice(0, 300)}`);
        seen = rehearsal.fakes.requests.length;
        const mails = rehearsal.smtp?.messages ?? [];
        for (const m of mails.slice(mailed)) console.log(`${new Date(m.at).toISOString()} SMTP to ${m.to.join(", ")}: ${m.headers.subject ?? "(no subject)"}`);
        mailed = mails.length;
    }, 1000);
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
}

main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
