import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface ProjectServicesArgs {
  /** The project to enable the APIs in. */
  readonly project: string;
  /** API service names, e.g. `run.googleapis.com`. */
  readonly services: readonly string[];
  /** The provider bound to that project. */
  readonly provider: gcp.Provider;
}

/**
 * Enables the APIs one project needs. They stay enabled on destroy: other workloads in the
 * project may rely on them, and disabling an API can break what we do not own.
 */
export class ProjectServices extends pulumi.ComponentResource {
  /** Resources that need these APIs depend on this list. */
  readonly enabled: gcp.projects.Service[];

  constructor(name: string, args: ProjectServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:ProjectServices', name, {}, opts);
    this.enabled = args.services.map(
      (service) =>
        new gcp.projects.Service(
          `${name}-${service.split('.')[0]}`,
          {
            project: args.project,
            service,
            disableOnDestroy: false,
            disableDependentServices: false,
          },
          { parent: this, provider: args.provider },
        ),
    );
    this.registerOutputs({ enabled: this.enabled.map((s) => s.service) });
  }
}
