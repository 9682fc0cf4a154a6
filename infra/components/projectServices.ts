import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { propagationWait, WAIT_AFTER_ENABLING } from '../propagationWait';

export interface ProjectServicesArgs {
  /** The project to enable the APIs in. */
  readonly project: pulumi.Input<string>;
  /** API service names, e.g. `run.googleapis.com`. */
  readonly services: readonly string[];
}

/**
 * Enables the APIs one project needs (pass the project's provider in the options). They stay
 * enabled on destroy: other workloads in the project may rely on them, and disabling an API can
 * break what we do not own. The component completes a short while after enabling, as Google's
 * Dialogflow samples wait, so service agents and grants that depend on it find the APIs working.
 */
export class ProjectServices extends pulumi.ComponentResource {
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
          { parent: this },
        ),
    );
    propagationWait(`${name}-propagation`, WAIT_AFTER_ENABLING, this.enabled, this);
    this.registerOutputs({ enabled: this.enabled.map((s) => s.service) });
  }
}
