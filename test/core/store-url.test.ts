import {describe, expect, it} from 'vitest';
import {ConfigError, UsageError} from '../../source/core/errors.js';
import {chooseStore, maskPassword, projectOfFolder} from '../../source/core/store-url.js';

describe('chooseStore', () => {
	it.each([
		[{folder: 'repo'}, {kind: 'file'}],
		[{folder: 'repo', flag: 'file'}, {kind: 'file'}],
		[
			{folder: 'repo', flag: 'postgres://u:pw@db:5432/jet'},
			{
				kind: 'postgres',
				connection: 'postgres://u:pw@db:5432/jet',
				project: 'repo',
				display: 'postgres://u:***@db:5432/jet?project=repo',
				source: '--store',
			},
		],
		[
			{folder: 'repo', env: 'postgresql://u@db/jet?project=shop&sslmode=disable'},
			{
				kind: 'postgres',
				connection: 'postgresql://u@db/jet?sslmode=disable',
				project: 'shop',
				display: 'postgresql://u@db/jet?sslmode=disable&project=shop',
				source: 'JETPACK_STORE',
			},
		],
	] as const)('%j → %j', (inputs, expected) => {
		expect(chooseStore(inputs)).toEqual(expected);
	});

	it('takes --store over JETPACK_STORE over the config', () => {
		const store = (flag?: string, env?: string, config?: string) =>
			chooseStore({folder: 'r', flag, env, config});
		expect(store('postgres://h/a', 'postgres://h/b', 'postgres://h/c')).toMatchObject({
			source: '--store',
		});
		expect(store(undefined, 'postgres://h/b', 'postgres://h/c')).toMatchObject({
			source: 'JETPACK_STORE',
		});
		expect(store(undefined, undefined, 'postgres://h/c')).toMatchObject({source: 'config'});
	});

	it('names the flag or the config key for a URL that is not PostgreSQL, never showing its password', () => {
		const flag = () => chooseStore({folder: 'r', flag: 'mysql://me:secret@h/db'});
		expect(flag).toThrow(UsageError);
		expect(flag).toThrow(/--store mysql:\/\/me:\*\*\*@h\/db is not a PostgreSQL URL/);
		const config = () => chooseStore({folder: 'r', config: 'tasks.db'});
		expect(config).toThrow(ConfigError);
		expect(config).toThrow(/the config key "store"/);
		expect(() => chooseStore({folder: 'r', flag: 'postgres://h/db?project=a b'})).toThrow(
			/project "a b" is not a name/,
		);
	});
});

describe('projectOfFolder and maskPassword', () => {
	it.each([
		['my repo', 'my-repo'],
		['.hidden', 'hidden'],
		['---', 'default'],
	])('%s → %s', (folder, project) => {
		expect(projectOfFolder(folder)).toBe(project);
	});

	it('masks the password of any URL shape', () => {
		expect(maskPassword('postgres://u:p@h/d')).toBe('postgres://u:***@h/d');
		expect(maskPassword('postgres://u@h/d')).toBe('postgres://u@h/d');
	});
});
