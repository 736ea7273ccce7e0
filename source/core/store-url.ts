/**
 * Which backend holds the tasks (PRODUCT.md §15): `--store`, then `JETPACK_STORE`, then the
 * config's `store`; the embedded file when none names one. A PostgreSQL URL may name the project
 * (`?project=NAME`, default the repository folder's name); its password is never shown.
 */
import {ConfigError, UsageError} from './errors.js';

export type StoreSource = '--store' | 'JETPACK_STORE' | 'config';

export type StoreChoice =
	| {readonly kind: 'file'}
	| {
			readonly kind: 'postgres';
			/** What the client connects with: the URL less `project`. */
			readonly connection: string;
			readonly project: string;
			/** The URL for messages: its password replaced by `***`. */
			readonly display: string;
			readonly source: StoreSource;
	  };

const projectPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A URL with its password (and anything after `:` in the user part) masked, however malformed. */
export function maskPassword(text: string): string {
	return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):[^@/?#]*@/i, '$1:***@');
}

/** A folder name as a project name: what the pattern allows, the rest dropped. */
export function projectOfFolder(folder: string): string {
	const cleaned = folder.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
	return cleaned === '' ? 'default' : cleaned.slice(0, 64);
}

export interface StoreInputs {
	readonly flag?: string;
	readonly env?: string;
	readonly config?: string;
	/** The repository folder's name: the default project. */
	readonly folder: string;
}

export function chooseStore(inputs: StoreInputs): StoreChoice {
	const given: Array<[StoreSource, string | undefined]> = [
		['--store', inputs.flag],
		['JETPACK_STORE', inputs.env],
		['config', inputs.config],
	];
	const found = given.find(([, value]) => value !== undefined && value.trim() !== '');
	if (found === undefined) return {kind: 'file'};
	const [source, value = ''] = found;
	return parseStoreUrl(value.trim(), source, inputs.folder);
}

function where(source: StoreSource): string {
	return source === 'config' ? 'the config key "store" (.jetpack/config.json)' : source;
}

function wrong(source: StoreSource, message: string): Error {
	return source === 'config' ? new ConfigError(message) : new UsageError(message);
}

export function parseStoreUrl(value: string, source: StoreSource, folder: string): StoreChoice {
	if (value === 'file' || value === 'jsonl') return {kind: 'file'};
	const display = maskPassword(value);
	const shape =
		'write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE (add ?project=NAME to share a database), or "file" for .beads/tasks.jsonl';
	if (!/^postgres(ql)?:\/\//i.test(value))
		throw wrong(source, `${where(source)} ${display} is not a PostgreSQL URL; ${shape}.`);
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw wrong(source, `${where(source)} ${display} is not a valid URL; ${shape}.`);
	}

	if (url.hostname === '' && !url.searchParams.has('host'))
		throw wrong(source, `${where(source)} ${display} names no host; ${shape}.`);
	const project = url.searchParams.get('project') ?? projectOfFolder(folder);
	if (!projectPattern.test(project))
		throw wrong(
			source,
			`${where(source)} ${display}: project ${JSON.stringify(project)} is not a name of letters, digits, ".", "_" or "-" (up to 64); give ?project=NAME.`,
		);
	url.searchParams.delete('project');
	const connection = url.toString();
	const shown = new URL(connection);
	if (shown.password !== '') shown.password = '***';
	shown.searchParams.set('project', project);
	return {
		kind: 'postgres',
		connection,
		project,
		display: decodeURIComponent(shown.toString()),
		source,
	};
}
