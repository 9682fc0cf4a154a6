// Validates GitHub Actions workflow and action files with GitHub's own parser
// (@actions/workflow-parser, the one behind the Actions language service). The package is
// ESM-only, so jest runs this script in a child process: `node validate.mjs <file>...` prints
// one JSON object with each file's errors and, for workflows, the jobs and the actions used.
/* global process */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  convertWorkflowTemplate,
  NoOperationTraceWriter,
  parseWorkflow,
} from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { ErrorPolicy } from '@actions/workflow-parser/model/convert';

const root = process.cwd();
// Local reusable workflows (`uses: ./.github/workflows/x.yml`) are read and checked as well.
const files = {
  async getFileContent(ref) {
    if (!('path' in ref) || 'repository' in ref)
      throw new Error(`not a local file: ${JSON.stringify(ref)}`);
    return { name: ref.path, content: await readFile(join(root, ref.path), 'utf8') };
  },
};

async function validate(path) {
  const content = await readFile(path, 'utf8');
  const trace = new NoOperationTraceWriter();
  if (/(^|\/)action\.ya?ml$/.test(path)) {
    const parsed = parseAction({ name: path, content }, trace);
    return {
      path,
      kind: 'action',
      errors: parsed.context.errors.getErrors().map((e) => e.message),
    };
  }
  const parsed = parseWorkflow({ name: path, content }, trace);
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (!parsed.value) return { path, kind: 'workflow', errors };
  const template = await convertWorkflowTemplate(parsed.context, parsed.value, files, {
    errorPolicy: ErrorPolicy.TryConversion,
    fetchReusableWorkflowDepth: 1,
  });
  return {
    path,
    kind: 'workflow',
    errors: [
      ...new Set([...errors, ...(template.errors ?? []).map((e) => e.Message ?? e.message)]),
    ],
    jobs: (template.jobs ?? []).map((job) => job.id.value),
  };
}

const results = [];
for (const path of process.argv.slice(2)) results.push(await validate(path));
process.stdout.write(JSON.stringify(results));
