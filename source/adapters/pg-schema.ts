/**
 * The PostgreSQL store's schema, created and migrated by the program itself (PRODUCT.md §15).
 * Migrations are numbered and applied in order, each once, in one transaction under an advisory
 * lock: several programs starting at once on a new database do not race. A database migrated by
 * a newer jetpack-tui is refused rather than misread.
 */
import type pg from 'pg';
import {StoreError} from '../core/errors.js';

/** Every migration, oldest first; the schema's version is how many have been applied. */
export const migrations: readonly string[] = [
	`
	CREATE TABLE jetpack_tasks (
		project text NOT NULL,
		id text NOT NULL,
		-- The task as tasks.jsonl holds it (one JSON line): unknown fields and their order kept.
		line text NOT NULL,
		status text NOT NULL,
		-- From a sequence, never reused: a reader's cache is valid while max(version) and the count stay.
		version bigint NOT NULL,
		updated_at timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (project, id)
	);
	CREATE SEQUENCE jetpack_task_version;
	-- The previous versions of each task: the role .beads/backups/ plays for the file.
	CREATE TABLE jetpack_task_history (
		project text NOT NULL,
		id text NOT NULL,
		version bigint NOT NULL,
		line text,
		replaced_at timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (project, id, version)
	);
	-- Every run working on a project, on any machine; a run is live while its lease is.
	CREATE TABLE jetpack_runs (
		project text NOT NULL,
		run_id text NOT NULL,
		host text NOT NULL,
		pid integer NOT NULL,
		folder text NOT NULL,
		agents jsonb NOT NULL,
		started_at timestamptz NOT NULL DEFAULT now(),
		heartbeat_at timestamptz NOT NULL DEFAULT now(),
		lease_until timestamptz NOT NULL,
		PRIMARY KEY (project, run_id)
	);
	CREATE TABLE jetpack_projects (
		project text PRIMARY KEY,
		created_at timestamptz NOT NULL DEFAULT now()
	);
	`,
];

export const schemaVersion = migrations.length;
/** Any fixed number: the lock migrations take. */
const migrationLock = 0x6a65_7470;

/** Brings the database's schema to this program's version; a no-op when it is there already. */
export async function migrate(client: pg.ClientBase): Promise<void> {
	const current = await readVersion(client);
	if (current === schemaVersion) return;
	await client.query('BEGIN');
	try {
		await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLock]);
		await client.query('CREATE TABLE IF NOT EXISTS jetpack_schema (version integer NOT NULL)');
		const row = await client.query<{version: number}>('SELECT version FROM jetpack_schema');
		let version = row.rows[0]?.version ?? 0;
		if (row.rows.length === 0) await client.query('INSERT INTO jetpack_schema VALUES (0)');
		refuseNewer(version);
		for (; version < schemaVersion; version++) await client.query(migrations[version] ?? '');
		await client.query('UPDATE jetpack_schema SET version = $1', [version]);
		await client.query('COMMIT');
	} catch (error) {
		await client.query('ROLLBACK').catch(() => undefined);
		throw error;
	}
}

async function readVersion(client: pg.ClientBase): Promise<number> {
	const exists = await client.query<{table: string | null}>(
		"SELECT to_regclass('jetpack_schema')::text AS table",
	);
	if (exists.rows[0]?.table === null) return 0;
	const row = await client.query<{version: number}>('SELECT version FROM jetpack_schema');
	const version = row.rows[0]?.version ?? 0;
	refuseNewer(version);
	return version;
}

function refuseNewer(version: number): void {
	if (version > schemaVersion)
		throw new StoreError(
			`the database's jetpack schema is version ${version}, newer than this jetpack-tui knows (${schemaVersion}); upgrade jetpack-tui on this machine.`,
		);
}
