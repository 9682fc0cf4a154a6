import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { propagationWait, WAIT_AFTER_ENABLING } from '../propagationWait';

export interface ProjectServicesArgs {
  readonly project: pulumi.Input<string>;
  /** API service names, e.g. `run.googleapis.com`. */
  readonly services: readonly string[];
}

/**
 * Enables the APIs one project needs. They stay enabled on destroy: other workloads in the project
 * may rely on them. The component completes a short while after enabling, as Google's Dialogflow
 * samples wait, so what depends on it finds the APIs working.
 */
export class ProjectServices extends pulumi.ComponentResource {
  constructor(name: string, args: ProjectServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:ProjectServices', name, {}, opts);
    const enabled = args.services.map(
      (service) =>
        new gcp.projects.Service(
          `${name}-${service.split('.')[0]}`,
          {
            project: args.project,
            service,
            disableOnDestroy: false,
            disableDependentServices: false,
          },
          { parent: this },
        ),
    );
    propagationWait(`${name}-propagation`, WAIT_AFTER_ENABLING, enabled, this);
    this.registerOutputs({ enabled: args.services });
  }
}
