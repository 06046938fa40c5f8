// The pattern every configured service follows: its files on the host first, then the container
// that bind-mounts them, then (optionally) a reload whenever any file's content changes.
import * as pulumi from "@pulumi/pulumi";
import { ServiceContextArgs } from "./context";
import { hostCommand } from "./hostShell";
import { HostFile, RemoteFiles, retryingCommand } from "./remoteFiles";
import { Service, ServiceArgs } from "./service";

export interface ConfiguredService {
    readonly files: RemoteFiles;
    readonly service: Service;
    readonly reload?: pulumi.CustomResource;
}

/** Reload through the lifecycle API inside the container: a bad config fails `pulumi up` loudly. */
export function lifecycleReload(containerName: string, port: number): string {
    return retryingCommand(`docker exec ${containerName} wget -q -O /dev/null --post-data= http://127.0.0.1:${port}/-/reload`);
}

/** Creates `${name}-files`, `${name}-service` and, with `reloadCommand`, `${name}-reload` under `parent`. */
export function deployConfiguredService(
    parent: pulumi.Resource,
    name: string,
    context: ServiceContextArgs,
    files: readonly HostFile[],
    service: Omit<ServiceArgs, "dependsOn" | "logMaxSize" | "logMaxFiles">,
    reloadCommand?: string,
): ConfiguredService {
    const m = context.config;
    const remoteFiles = new RemoteFiles(`${name}-files`, { shell: context.shell, root: m.configRoot, files },
        { parent, dependsOn: [context.hostReady] });
    const container = new Service(`${name}-service`, {
        ...service, logMaxSize: m.logMaxSize, logMaxFiles: m.logMaxFiles, dependsOn: [context.hostReady, ...remoteFiles.commands],
    }, { parent });
    const reload = reloadCommand === undefined ? undefined : hostCommand(`${name}-reload`, context.shell, {
        create: reloadCommand,
        triggers: [remoteFiles.digest],
        logging: "stderr",
    }, { parent, dependsOn: [container] });
    return { files: remoteFiles, service: container, reload };
}
