// The pattern every configured service follows: its files written to a staging directory on the
// host, then the swap script (render/swap.ts) that checks them with the service's own checker,
// makes them current and reloads the service (rolling back when it refuses or ails), and only
// then the container, which reads its files through the `current` symlink.
import * as pulumi from "@pulumi/pulumi";
import { ServiceContextArgs } from "./context";
import { hostCommand } from "./hostShell";
import { HostFile, RemoteFiles } from "./remoteFiles";
import { stagingDir } from "../render/files";
import { releaseFiles, renderSwapScript, swapDeadlineSeconds, type SwapSteps } from "../render/swap";
import { Service, ServiceArgs } from "./service";

export interface ConfiguredService {
    readonly files: RemoteFiles;
    readonly service: Service;
    /** The container's name (from `ServiceArgs.names`), for commands that address it. */
    readonly containerName: string;
    /** Runs the swap script whenever a file changes. */
    readonly swap: pulumi.CustomResource;
}

export interface ConfiguredServiceArgs {
    /** The service's directory below configRoot (hostDirs), which holds its releases. */
    readonly hostDir: string;
    readonly files: readonly HostFile[];
    /** The container; its binds include the host directory's mount. */
    readonly service: Omit<ServiceArgs, "dependsOn" | "logMaxSize" | "logMaxFiles">;
    /** The swap steps for the container of this name (the single source of the name is `service.names`). */
    readonly steps: (containerName: string) => SwapSteps;
}

/** Creates `${name}-files`, `${name}-swap` and `${name}-service` under `parent`, in that order. */
export function deployConfiguredService(parent: pulumi.Resource, name: string, context: ServiceContextArgs, args: ConfiguredServiceArgs): ConfiguredService {
    const m = context.config;
    const staging = `${m.configRoot}/${stagingDir}`;
    const remoteFiles = new RemoteFiles(`${name}-files`, { shell: context.shell, root: staging, files: args.files },
        { parent, dependsOn: [context.hostReady] });
    // On the first deploy the container does not exist yet: the script installs the first
    // release and the container starts on it. Later it reloads the running container.
    const script = renderSwapScript({
        service: args.service.names.container,
        serviceDir: `${m.configRoot}/${args.hostDir}`,
        stagingDir: `${staging}/${args.hostDir}`,
        files: releaseFiles(args.files, args.hostDir),
        asRoot: true,
        deadlineSeconds: swapDeadlineSeconds,
        steps: args.steps(args.service.names.container),
    });
    const swap = hostCommand(`${name}-swap`, context.shell, {
        create: script,
        triggers: [remoteFiles.digest],
        // The checker's and the script's messages are what `pulumi up` shows when a change is refused.
        logging: "stderr",
    }, { parent, dependsOn: [context.hostReady, ...remoteFiles.commands] });
    const container = new Service(`${name}-service`, {
        ...args.service, logMaxSize: m.logMaxSize, logMaxFiles: m.logMaxFiles, dependsOn: [context.hostReady, swap],
    }, { parent });
    return { files: remoteFiles, service: container, containerName: args.service.names.container, swap };
}
