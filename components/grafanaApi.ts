// An external Grafana (Grafana Cloud or a self-hosted one) managed through its API with
// @pulumiverse/grafana: the plan of render/grafanaApi.ts as resources, so `pulumi preview` shows a
// dashboard change as a resource diff. Its own provider, from the URL and the service-account
// token (a Pulumi secret); secure datasource settings are secrets too. Created only in grafanaMode
// external: the host's own Grafana is file-provisioned and only reachable through the tunnel.
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import type { GrafanaApiPlan } from "../render/grafanaApi";

export interface GrafanaApiArgs {
    readonly url: string;
    /** Service-account token; always handled as a secret. */
    readonly token: pulumi.Input<string>;
    readonly plan: GrafanaApiPlan;
}

export class GrafanaApi extends pulumi.ComponentResource {
    readonly provider: grafana.Provider;
    readonly folders: grafana.oss.Folder[];
    readonly datasources: grafana.oss.DataSource[];
    readonly dashboards: grafana.oss.Dashboard[];

    constructor(name: string, args: GrafanaApiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:grafana:GrafanaApi", name, {}, opts);
        this.provider = new grafana.Provider(`${name}-provider`, { url: args.url, auth: pulumi.secret(args.token) }, { parent: this });
        const child = { parent: this, provider: this.provider };
        this.folders = args.plan.folders.map((f) => new grafana.oss.Folder(`${name}-folder-${f.uid}`, { title: f.title, uid: f.uid }, child));
        this.datasources = args.plan.datasources.map((d) => new grafana.oss.DataSource(`${name}-datasource-${d.uid}`, {
            name: d.name, type: "prometheus", uid: d.uid, url: d.url, isDefault: d.isDefault, accessMode: "proxy",
            basicAuthEnabled: d.basicAuthUser !== undefined, basicAuthUsername: d.basicAuthUser,
            jsonDataEncoded: JSON.stringify(d.jsonData),
            // Empty or not, the same shape: a secret, so a preview never shows what is in it.
            secureJsonDataEncoded: pulumi.secret(JSON.stringify(d.secureJsonData)),
        }, child));
        const folderByUid = new Map(args.plan.folders.map((f, i) => [f.uid, this.folders[i]]));
        this.dashboards = args.plan.dashboards.map((d) => {
            const folder = folderByUid.get(d.folderUid);
            if (!folder) throw new Error(`dashboard ${d.uid}: no folder ${d.folderUid}`);
            return new grafana.oss.Dashboard(`${name}-dashboard-${d.uid}`, {
                configJson: d.configJson, folder: folder.uid,
                // The repository is the source of truth: an edit made in the UI is overwritten.
                overwrite: true,
                message: `vps-monitoring: ${d.relativePath}`,
            }, { ...child, dependsOn: this.datasources });
        });
        this.registerOutputs({});
    }
}
