// The configuration the running Pulumi program sees: Pulumi.yaml defaults (applied here too,
// because runtime mocks do not apply them), overlaid with the stack's values. Keys outside the
// project's namespace are passed along so that misplaced ones are refused with the rest.
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./parse";
import { StackConfig } from "../model/stack";
import { projectDefaults, providerNamespaces, readProject, splitProjectKeys } from "./stackFiles";
import { repositoryOrigin } from "./repository";

export function loadProgramConfig(): StackConfig {
    const project = readProject();
    const { values, outsideKeys } = splitProjectKeys(project.name, pulumi.runtime.allConfig());
    return parseStackConfig(pulumi.getStack(), { ...projectDefaults(project), ...values }, {
        source: { project: project.name, providerNamespaces: providerNamespaces(), outsideKeys },
        // runbookBaseUrl's default: docs/runbooks.md of the repository this program is deployed from.
        repository: repositoryOrigin(),
    });
}
