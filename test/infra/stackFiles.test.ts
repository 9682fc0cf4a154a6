import { load } from 'js-yaml';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS } from '../../infra/config';

const ROOT = join(__dirname, '..', '..');
const yaml = (file: string) => load(readFileSync(join(ROOT, file), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Pulumi.yaml and the stack files', () => {
  const project = yaml('Pulumi.yaml');

  it('names the project, the Node.js runtime and the program entry', () => {
    expect(project).toEqual(
      expect.objectContaining({ name: 'cx-webhook-kit', main: 'infra/index.ts' }),
    );
    expect(project.runtime.name).toBe('nodejs');
  });

  it('declares every key the program reads, with a type and a description', () => {
    for (const key of CONFIG_KEYS) {
      expect([
        key,
        typeof project.config[key]?.type,
        typeof project.config[key]?.description,
      ]).toEqual([key, 'string', 'string']);
    }
    expect(project.config.headerSecret.secret).toBe(true);
  });

  it('turns off the default gcp provider, so no resource can fall back to an ambient project', () => {
    expect(project.config['pulumi:disable-default-providers']).toEqual({ value: ['gcp'] });
  });

  const stacks = readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
  it.each(stacks)('%s sets only declared keys and holds no plaintext secret', (file) => {
    const config = (yaml(file).config ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(config)) {
      const [namespace, name] = key.split(':');
      expect([key, namespace]).toEqual([key, 'cx-webhook-kit']);
      expect(CONFIG_KEYS).toContain(name);
      if (name === 'headerSecret') expect(value).toEqual({ secure: expect.any(String) });
    }
  });

  it('has the dev and prod stacks', () => {
    expect(stacks.sort()).toEqual(['Pulumi.dev.yaml', 'Pulumi.prod.yaml']);
  });
});
