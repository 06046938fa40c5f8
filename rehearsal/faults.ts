// What `npm run rehearse -- <stack>` offers: the stack's rendered configuration on loopback, and
// faults to inject from a menu, each an action the CLI maps a key to (and the tests call the same
// way): stop Redis, stop an app target (or node-exporter's), push a disk past its threshold, break
// the receivers. Each fault names the alert it should raise and undoes itself on a second press.
import { parseStackConfig } from "../config/parse";
import { stackRawConfig } from "../config/stackFiles";
import { startRehearsal, type Rehearsal } from "./harness";

export interface Fault {
    /** The menu key. */
    readonly key: string;
    readonly label: string;
    /** The alert the fault should raise (what to look for in the pages). */
    readonly raises: string;
    /** Why the stack cannot rehearse this fault; undefined when it can. */
    readonly unavailable?: string;
    /** Injects the fault, or undoes it when it is injected; returns what was done. */
    toggle(): Promise<string>;
    readonly active: boolean;
}

/** A receiver for a stack that has none, so the pages can be seen at all (the CLI says so). */
export const standInReceiver = { name: "rehearsal", type: "telegram", chatId: -1000000000001, botToken: "rehearsal", severities: ["critical", "warning"] } as const;

export interface StackRehearsal {
    readonly rehearsal: Rehearsal;
    /** Set when the stack has no enabled receiver and the rehearsal added standInReceiver. */
    readonly standIn: boolean;
}

/** Starts the stack's rehearsal as the CLI does: real host metrics, and a stand-in receiver when the stack has none. */
export async function startStackRehearsal(stack: string, timeScale: number, log: (line: string) => void = () => undefined): Promise<StackRehearsal> {
    const configured = parseStackConfig(stack, stackRawConfig(stack), { withoutSecrets: true }).monitoring;
    const standIn = configured.receivers.length === 0;
    const rehearsal = await startRehearsal({
        stack, timeScale, log,
        // Real host metrics: the host alerts judge this machine, as they would judge the server.
        hostMetrics: "node-exporter",
        overrides: standIn ? { receivers: [standInReceiver] } : {},
    });
    return { rehearsal, standIn };
}

function toggleFault(key: string, label: string, raises: string, inject: () => Promise<void>, undo: () => Promise<void>, unavailable?: string): Fault {
    let active = false;
    return {
        key, label, raises, unavailable,
        get active() { return active; },
        async toggle() {
            if (unavailable !== undefined) return `not available: ${unavailable}`;
            if (active) await undo(); else await inject();
            active = !active;
            return active ? `injected: ${label}; expect ${raises}` : `undone: ${label}; expect ${raises} to resolve`;
        },
    };
}

/** The faults this stack can rehearse, in menu order. */
export function faultActions(r: Rehearsal): Fault[] {
    const m = r.monitoring;
    const redis = m.redis[0]?.name;
    const [job, app] = [...r.apps][0] ?? [];
    const thresholds = m.alertThresholds;
    return [
        toggleFault("1", redis === undefined ? "stop Redis" : `stop Redis ${redis}`, "RedisDown",
            () => r.stopRedis(redis), () => r.startRedis(redis), redis === undefined ? "the stack has no redis entries" : undefined),
        app !== undefined
            ? toggleFault("2", `stop the app target ${job}`, "TargetDown", () => app.stop(), () => app.start())
            : toggleFault("2", "stop the node-exporter target (the stack has no apps)", "TargetDown", () => r.stopNodeExporter(), () => r.startNodeExporter(),
                m.nodeExporter.enabled ? undefined : "the stack has no apps and runs no node-exporter"),
        // The disk cannot be filled safely: the threshold moves above this machine's free space instead,
        // applied like a config change (rendered, checked, swapped in, reloaded).
        toggleFault("3", "fill a disk past its threshold (diskFreeWarningPercent raised to 99 and reloaded)", "HostDiskAlmostFull",
            async () => { await r.applyConfig({ alertThresholds: { ...thresholds, diskFreeWarningPercent: 99 } }); },
            async () => { await r.applyConfig({ alertThresholds: thresholds }); },
            m.nodeExporter.enabled ? undefined : "the stack runs no node-exporter"),
        toggleFault("4", "break the receivers (every fake answers 500, as to a revoked token)", "AlertmanagerFailedToSendNotifications",
            async () => { r.fakes.setFailing(true); r.smtp?.setFailing(true); },
            async () => { r.fakes.setFailing(false); r.smtp?.setFailing(false); }),
    ];
}

/** The menu the CLI prints. */
export function menuText(faults: readonly Fault[]): string {
    return [
        "Faults (type a key and Enter; the same key undoes it; q quits):",
        ...faults.map((f) => `  ${f.key}) ${f.active ? "[on] " : ""}${f.label} → ${f.raises}${f.unavailable ? `   (not available: ${f.unavailable})` : ""}`),
    ].join("\n");
}

/** What a key does: the fault's toggle, the CLI's only way to inject one. */
export async function pressKey(faults: readonly Fault[], key: string): Promise<string> {
    const fault = faults.find((f) => f.key === key.trim());
    return fault ? fault.toggle() : `no fault ${JSON.stringify(key.trim())}; keys: ${faults.map((f) => f.key).join(", ")}, q`;
}
