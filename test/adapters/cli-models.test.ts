/** The model a codex profile uses, from its arguments or its real config file. */
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {modelInArgs, modelInToml, modelOfProfile} from '../../source/adapters/cli-models.js';
import {tempRepo} from '../helpers/temp-repo.js';

describe('the model a CLI uses', () => {
	it.each([
		[['exec', '-m', 'gpt-5', '--json'], 'gpt-5'],
		[['exec', '--model=o3'], 'o3'],
		[['exec', '-c', 'model="gpt-5-mini"'], 'gpt-5-mini'],
		[['exec', '--json'], undefined],
	])('reads %j', (args, model) => {
		expect(modelInArgs(args)).toBe(model);
	});

	it('reads the top-level model of a config.toml, not a table’s', () => {
		expect(modelInToml('model = "gpt-5"\n[model_providers.x]\nmodel = "other"\n')).toBe('gpt-5');
		expect(modelInToml('[profiles.a]\nmodel = "other"\n')).toBeUndefined();
	});

	it('finds codex’s model in $CODEX_HOME/config.toml, and nothing for other CLIs', async () => {
		const home = path.join(await tempRepo(), 'codex');
		mkdirSync(home);
		writeFileSync(path.join(home, 'config.toml'), 'model = "gpt-5.5"\n');
		const profile = {
			name: 'codex',
			command: 'codex',
			args: ['exec', '--json'],
			skills: [],
			cli: 'codex',
			defaultEnv: {},
		};
		expect(modelOfProfile(profile, {CODEX_HOME: home})).toBe('gpt-5.5');
		expect(modelOfProfile({...profile, cli: 'claude'}, {CODEX_HOME: home})).toBeUndefined();
		expect(modelOfProfile(profile, {CODEX_HOME: path.join(home, 'none')})).toBeUndefined();
	});
});
