// The configuration the running Pulumi program sees: Pulumi.yaml defaults (applied here too,
// because runtime mocks do not apply them), overlaid with the stack's values.
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, StackConfig } from "./config";
import { projectDefaults, readProject } from "./stackFiles";

export function loadProgramConfig(): StackConfig {
    const project = readProject();
    const prefix = `${project.name}:`;
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith(prefix)) values[key.slice(prefix.length)] = value;
    }
    return parseStackConfig(pulumi.getStack(), { ...projectDefaults(project), ...values });
}
