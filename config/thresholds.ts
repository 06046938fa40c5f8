// The `alertThresholds` key: a map of threshold name to number over the defaults of
// model/alerts.ts, each checked against its range, unknown names refused with a did-you-mean.
import { defaultThresholds, thresholdNames, thresholdSpecs, type AlertThresholds, type ThresholdName, type ThresholdSpec } from "../model/alerts";
import { isRecord } from "../model/typeGuards";
import { didYouMean } from "./suggest";

const key = "alertThresholds";

/** Structured values arrive as JSON strings from `pulumi config`, as YAML values from files. */
function decode(raw: unknown, problems: string[]): Record<string, unknown> {
    if (raw === undefined || raw === null || raw === "") return {};
    let value = raw;
    if (typeof raw === "string") {
        try {
            value = JSON.parse(raw);
        } catch {
            problems.push(`${key}: not valid JSON/YAML; set values with \`pulumi config set --path '${key}.memoryUsedPercent' 85\``);
            return {};
        }
    }
    if (isRecord(value)) return value;
    problems.push(`${key}: expected a map of threshold name to number, e.g. ${key}: { memoryUsedPercent: 85 }`);
    return {};
}

function parseOne(name: ThresholdName, value: unknown, problems: string[]): number {
    const spec: ThresholdSpec = thresholdSpecs[name];
    const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
    if (Number.isFinite(n) && n >= spec.min && n <= spec.max) return n;
    problems.push(`${key}.${name}: ${JSON.stringify(value)} is not a number from ${spec.min} to ${spec.max} (${spec.unit}); ` +
        `set it like \`pulumi config set --path '${key}.${name}' ${spec.default}\` or remove it for the default ${spec.default}`);
    return spec.default;
}

/** Pairs whose order matters: the first must stay below the second. */
const ordered: readonly (readonly [ThresholdName, ThresholdName])[] = [
    ["diskFreeCriticalPercent", "diskFreeWarningPercent"],
    ["appLatencyP95WarningSeconds", "appLatencyP95CriticalSeconds"],
    // Days left: the critical threshold is the nearer one.
    ["tlsCertExpiryCriticalDays", "tlsCertExpiryWarningDays"],
];

export function parseAlertThresholds(raw: unknown): { thresholds: AlertThresholds; problems: string[] } {
    const problems: string[] = [];
    const given = decode(raw, problems);
    const thresholds: Record<ThresholdName, number> = { ...defaultThresholds };
    for (const [name, value] of Object.entries(given)) {
        if (!(name in thresholdSpecs)) {
            problems.push(`${key}.${name}: unknown threshold; ${didYouMean(name, thresholdNames, (n) => `${key}.${n}`) ?? `use one of ${thresholdNames.join(", ")}`}`);
            continue;
        }
        thresholds[name as ThresholdName] = parseOne(name as ThresholdName, value, problems);
    }
    for (const [low, high] of ordered) {
        if (thresholds[low] >= thresholds[high]) {
            problems.push(`${key}.${low}: ${thresholds[low]} must be below ${key}.${high} (${thresholds[high]}); lower ${low} or raise ${high}`);
        }
    }
    return { thresholds, problems };
}
