/**
 * The one place a backend is chosen and opened (PRODUCT.md §15): the embedded file, or PostgreSQL
 * when `--store`, `JETPACK_STORE` or the config's `store` names one.
 */
import path from 'node:path';
import type {Config} from '../core/config.js';
import {chooseStore, type StoreChoice} from '../core/store-url.js';
import type {PgStore} from './pg-store.js';
import {TaskStore} from './task-store.js';

/** A task store of either backend; `kind` tells them apart where they differ. */
export type Store = TaskStore | PgStore;

export interface OpenStoreInputs {
	readonly dir: string;
	readonly config: Config;
	readonly flag?: string;
	readonly env: NodeJS.ProcessEnv;
	readonly onNotice: (message: string) => void;
}

export function storeChoice(inputs: Omit<OpenStoreInputs, 'onNotice'>): StoreChoice {
	return chooseStore({
		flag: inputs.flag,
		env: inputs.env['JETPACK_STORE'],
		config: inputs.config.store,
		folder: path.basename(inputs.dir),
	});
}

export async function openStore(inputs: OpenStoreInputs): Promise<Store> {
	const choice = storeChoice(inputs);
	if (choice.kind === 'file')
		return new TaskStore(inputs.dir, {backups: inputs.config.backups, onNotice: inputs.onNotice});
	// Loaded only for a PostgreSQL store: the file store's commands start without the client.
	const {PgStore} = await import('./pg-store.js');
	return PgStore.open({
		connection: choice.connection,
		project: choice.project,
		display: choice.display,
		backups: inputs.config.backups,
		onNotice: inputs.onNotice,
	});
}

/** Gives back what the store holds open (a PostgreSQL pool); the file store holds nothing. */
export async function closeStore(store: Store): Promise<void> {
	if (store.kind === 'postgres') await store.close();
}
