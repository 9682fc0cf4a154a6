import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { TestCaseSpec } from '../testCaseFiles';

/** What the program creates in an agent, by display name, as a person sees it in the console. */
export type AgentCatalogue = Readonly<
  Record<'intents' | 'pages' | 'flows', Readonly<Record<string, pulumi.Input<string>>>>
>;

export interface AgentTestCasesArgs {
  /** The agent's full name: one this stack created (an existing agent keeps its own cases). */
  readonly agent: pulumi.Input<string>;
  /** The checked case files (infra/testCaseFiles.ts). */
  readonly cases: readonly TestCaseSpec[];
  readonly catalogue: AgentCatalogue;
}

/**
 * The agent's test cases, one CX test case per file of agent/test-cases/, run by
 * `npm run agent:test`. Each expected turn names intents and pages by display name; a name the
 * catalogue lacks stops the program here, naming the file and the field. The session parameters a
 * case expects are its tracking parameters, so the run compares exactly those.
 */
export class AgentTestCases extends pulumi.ComponentResource {
  /** Full names of the test cases, by file. */
  readonly names: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: AgentTestCasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:AgentTestCases', name, {}, opts);
    const names: Record<string, pulumi.Output<string>> = {};
    for (const spec of args.cases) {
      const lookup = (kind: keyof AgentCatalogue, key: string, field: string) => {
        const found = args.catalogue[kind][key];
        if (found === undefined) {
          const known = Object.keys(args.catalogue[kind]).join('", "');
          throw new Error(
            `${spec.file}: ${field}: the program creates no ${kind.slice(0, -1)} "${key}" in this agent (known: "${known}")`,
          );
        }
        return found;
      };
      const { start } = spec;
      names[spec.file] = new gcp.diagflow.CxTestCase(
        `${name}-${spec.id}`,
        {
          parent: args.agent,
          displayName: spec.displayName,
          tags: [...spec.tags],
          notes: spec.notes,
          testConfig: {
            trackingParameters: [
              ...new Set(spec.turns.flatMap((t) => Object.keys(t.expect.parameters ?? {}))),
            ],
            flow: start?.flow && lookup('flows', start.flow, 'start.flow'),
            page: start?.page && lookup('pages', start.page, 'start.page'),
          },
          testCaseConversationTurns: spec.turns.map((turn, i) => ({
            userInput: {
              input: {
                languageCode: spec.language,
                ...(turn.input.text !== undefined
                  ? { text: { text: turn.input.text } }
                  : { event: { event: turn.input.event } }),
              },
              injectedParameters: turn.parameters && JSON.stringify(turn.parameters),
              isWebhookEnabled: turn.webhooks,
            },
            virtualAgentOutput: {
              triggeredIntent: turn.expect.intent
                ? { name: lookup('intents', turn.expect.intent, `turns[${i}].expect.intent`) }
                : undefined,
              currentPage: turn.expect.page
                ? { name: lookup('pages', turn.expect.page, `turns[${i}].expect.page`) }
                : undefined,
              sessionParameters: turn.expect.parameters && JSON.stringify(turn.expect.parameters),
              textResponses: turn.expect.text && [{ texts: [...turn.expect.text] }],
            },
          })),
        },
        { parent: this, deletedWith: opts?.deletedWith },
      ).id;
    }
    this.names = names;
    this.registerOutputs({ names });
  }
}
